/**
 * Things a long-running command started, stopped in reverse order exactly once: on a normal
 * end, on an error, or on SIGINT/SIGTERM. Each step has a time limit so a dead server cannot
 * hang the exit; a second Ctrl-C exits at once.
 */
export class Lifecycle {
  private steps: { name: string; stop: () => Promise<unknown> }[] = [];
  private stopping: Promise<void> | null = null;
  private signalHandlers: [NodeJS.Signals, () => void][] = [];
  /** Resolves with the signal's name when SIGINT or SIGTERM arrives. */
  readonly interrupted: Promise<NodeJS.Signals>;
  signal: NodeJS.Signals | null = null;
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void = () => {}) {
    this.log = log;
    let resolve!: (s: NodeJS.Signals) => void;
    this.interrupted = new Promise((r) => {
      resolve = r;
    });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        if (this.signal) {
          this.log(`${sig} again: exiting now`);
          process.exit(130);
        }
        this.signal = sig;
        resolve(sig);
      };
      process.on(sig, handler);
      this.signalHandlers.push([sig, handler]);
    }
  }

  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  /** Stops everything added so far (latest first). Idempotent. */
  stop(timeoutMs = 15_000): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of this.steps.reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), timeoutMs);
        });
        try {
          const result = await Promise.race([step.stop().then(() => 'ok' as const), limit]);
          if (result === 'timeout') this.log(`stopping ${step.name} took over ${timeoutMs / 1000}s; going on`);
        } catch (err) {
          this.log(`stopping ${step.name} failed: ${(err as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
      this.steps = [];
    })();
    return this.stopping;
  }

  /** Removes the signal handlers (after stop, before the process exits on its own). */
  release(): void {
    for (const [sig, handler] of this.signalHandlers) process.removeListener(sig, handler);
    this.signalHandlers = [];
  }
}

/** Races a promise against the lifecycle's interruption: throws Interrupted when a signal came first. */
export async function unlessInterrupted<T>(life: Lifecycle, work: Promise<T>): Promise<T> {
  const result = await Promise.race([work.then((v) => ({ v })), life.interrupted.then((s) => ({ s }))]);
  if ('s' in result) {
    work.catch(() => {}); // whatever it does now fails because everything is being stopped
    throw new Interrupted(result.s);
  }
  return result.v;
}

export class Interrupted extends Error {
  override readonly name = 'Interrupted';
  readonly signal: NodeJS.Signals;
  constructor(signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}
