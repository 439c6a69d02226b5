import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it resolves true, or fails with the last probe error after `timeoutMs`.
 * `isDead` lets a caller stop waiting at once when the server process already exited.
 */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  {
    timeoutMs = 30_000,
    intervalMs = 100,
    isDead,
  }: { timeoutMs?: number; intervalMs?: number; isDead?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const dead = isDead?.();
    if (dead) throw new Error(`${what} exited before it was ready: ${dead}`);
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what} was not ready after ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}
