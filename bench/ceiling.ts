/** The raw HTTP ceiling: the sync's own reads and as many writes, fired by a plain fetch loop. */
import type { ProviderKey, Sandbox, SeedPerson } from '@contact-sync/simulators';
import { startSandbox } from '@contact-sync/simulators';
import { machineCpuMs, machineShare } from './cpu.ts';
import { PROVIDERS, PUSH_CONCURRENCY } from './model.ts';

// ---------------------------------------------------------------------------------------------
// The raw HTTP ceiling: the same reads and as many writes, with a plain fetch loop.

interface Req {
  url: string;
  init: RequestInit;
}

const authHeaders = (sandbox: Sandbox, p: ProviderKey): Record<string, string> => {
  const { credential, options } = sandbox.providers[p];
  if (p === 'nodeping') return { authorization: `Basic ${Buffer.from(`${credential}:`).toString('base64')}` };
  if (p === 'r-service')
    return {
      authorization: `Bearer ${credential}`,
      [String(options.accountHeader ?? 'X-4me-Account')]: String(options.account),
    };
  return { authorization: `Bearer ${credential}` };
};

/** One create per call, the cheapest kind of write each API has. */
function writeRequest(sandbox: Sandbox, p: ProviderKey, i: number, staff: readonly SeedPerson[]): Req {
  const base = sandbox.providers[p].baseUrl;
  const headers = { ...authHeaders(sandbox, p), 'content-type': 'application/json' };
  const json = (body: unknown): RequestInit => ({ method: 'POST', headers, body: JSON.stringify(body) });
  const email = `ceiling.${p}.${i}@bench.example.com`;
  switch (p) {
    case 'churchpad':
      return {
        url: `${base}/api/unified-communications/contacts`,
        init: json({ first_name: 'Bench', last_name: `C${i}`, phone: '+14155550100', email }),
      };
    case 'growcrm':
      return {
        url: `${base}/contacts`,
        init: json({
          first_name: 'Bench',
          last_name: `G${i}`,
          email,
          clientid: sandbox.providers.growcrm.options.clientId,
        }),
      };
    case 'nodeping':
      return {
        url: `${base}/contacts`,
        init: json({ name: `Bench N${i}`, newaddresses: [{ address: email, type: 'email' }] }),
      };
    case 'ilert': {
      const user = staff[i % staff.length]?.records.ilert?.[0]?.externalId ?? '1000';
      return { url: `${base}/users/${user}/contacts/emails`, init: json({ target: email }) };
    }
    default: {
      const person = staff[i % staff.length]?.records['r-service']?.[0]?.externalId ?? '1';
      return { url: `${base}/people/${person}/contacts`, init: json({ label: 'work', email }) };
    }
  }
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** What the ceiling replays of a sync's request log. */
export type CeilingLog = { provider: ProviderKey; path: string; isWrite: boolean }[];

export interface Ceiling {
  wallMs: number;
  requests: number;
  reads: number;
  writes: number;
  non2xx: number;
  /** Requests sent again after a connection reset. */
  resets?: number;
  /** Busy CPU time of the whole machine over the replay (the simulators and the loop, in one process), and its share of the cores. */
  machineCpuMs?: number;
  machineShare?: number;
}

/**
 * Replays the initial sync's reads (the same GETs, on a fresh sandbox of the same seed and
 * size, one at a time per provider as the pullers do) and fires as many writes per provider as
 * the sync made (creates, `PUSH_CONCURRENCY` at a time per provider), all five providers in
 * parallel. Bodies are read in full, as a client would.
 */
export async function httpCeiling(
  opts: { seed: number; people: number; seedProviders?: ProviderKey[] },
  log: CeilingLog,
): Promise<Ceiling> {
  // Engine throughput, not the providers' limits: unlimited servers (the engine's budget is lifted too).
  const sandbox = await startSandbox({
    port: 0,
    limits: 'none',
    seed: opts.seed,
    contacts: opts.people,
    faults: 'none',
    ...(opts.seedProviders ? { seedProviders: opts.seedProviders } : {}),
  });
  try {
    let non2xx = 0;
    let resets = 0;
    // A keep-alive socket the server closes just as the client reuses it resets the request
    // (seen once at 100,000 people): sent again, and counted.
    const send = async (r: Req): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await fetch(r.url, r.init);
          await res.arrayBuffer();
          if (res.status < 200 || res.status >= 300) non2xx++;
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
          resets++;
        }
      }
    };
    const origin = new URL(sandbox.url).origin;
    const reads = new Map<ProviderKey, Req[]>();
    const writes = new Map<ProviderKey, number>();
    for (const e of log) {
      if (e.isWrite) writes.set(e.provider, (writes.get(e.provider) ?? 0) + 1);
      else {
        const list = reads.get(e.provider) ?? [];
        list.push({ url: `${origin}${e.path}`, init: { headers: authHeaders(sandbox, e.provider) } });
        reads.set(e.provider, list);
      }
    }
    // (Once: filtering every person per write request made this quadratic — minutes at 100,000 people.)
    const staff = sandbox.people.filter((x) => x.staff);
    const t0 = performance.now();
    const m0 = machineCpuMs();
    await Promise.all(
      PROVIDERS.map(async (p) => {
        await pool(reads.get(p) ?? [], 1, send);
        const n = writes.get(p) ?? 0;
        const ws = Array.from({ length: n }, (_, i) => writeRequest(sandbox, p, i, staff));
        await pool(ws, PUSH_CONCURRENCY, send);
      }),
    );
    const wallMs = Math.round(performance.now() - t0);
    const machine = Math.round(machineCpuMs() - m0);
    const nReads = [...reads.values()].reduce((a, b) => a + b.length, 0);
    const nWrites = [...writes.values()].reduce((a, b) => a + b, 0);
    return {
      wallMs,
      requests: nReads + nWrites,
      reads: nReads,
      writes: nWrites,
      non2xx,
      resets,
      machineCpuMs: machine,
      machineShare: machineShare(machine, wallMs),
    };
  } finally {
    await sandbox.stop();
  }
}
