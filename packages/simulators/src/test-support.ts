import { type Sandbox, startSandbox } from './sandbox.ts';
import type { ProviderKey, SandboxOptions } from './types.ts';

/** Test helper: a small sandbox on port 0 plus a fetch that adds the provider's credential. */
export async function testSandbox(options: SandboxOptions = {}) {
  const sandbox = await startSandbox({ contacts: 500, seed: 7, ...options });
  return sandbox;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function call(
  sandbox: Sandbox,
  provider: ProviderKey,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: boolean; raw?: string } = {},
): Promise<CallResult> {
  const ep = sandbox.providers[provider];
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== false) {
    if (provider === 'nodeping') headers.authorization = `Basic ${Buffer.from(`${ep.credential}:`).toString('base64')}`;
    else headers.authorization = `Bearer ${ep.credential}`;
    if (provider === 'r-service') headers['x-4me-account'] = String(ep.options.account);
  }
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${ep.baseUrl}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep the text: malformed bodies are a feature under test
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
