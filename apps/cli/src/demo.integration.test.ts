import type {} from '@contact-sync/services/provided-context';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from './testing/run-cli.ts';

// The real binary, as a user runs it: its own Postgres database and Redis prefix on the servers the
// global setup provides (DATABASE_URL / REDIS_URL), five simulators, worker, full sync, resync.
describe('contact-sync demo', () => {
  it('syncs a small seeded sandbox to convergence and writes nothing on the second resync', async () => {
    const run = await runCli(['demo', '--exit', '--json', '--contacts', '100', '--seed', '7', '--port', '0'], {
      env: { DATABASE_URL: inject('adminDatabaseUrl'), REDIS_URL: inject('redisUrl') },
      timeoutMs: 110_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const summary = JSON.parse(lines.at(-1)!);

    expect(summary.converged).toBe(true);
    expect(summary.secondResync.writeCalls).toBe(0);
    expect(summary.secondResync.opsPlanned).toBe(0);
    expect(summary.secondResync.requests).toBeGreaterThan(0); // it did pull everything again
    expect(summary.divergences).toBe(0);

    const providers = Object.keys(summary.providers).sort();
    expect(providers).toEqual(['churchpad', 'growcrm', 'ilert', 'nodeping', 'r-service']);
    for (const key of providers) {
      const { before, after } = summary.providers[key];
      expect(before, key).toBeGreaterThan(0);
      // Flat-contact providers gain the people only the others had; person-bound ones
      // (ilert users, r-service people) are never created by default.
      if (key === 'ilert' || key === 'r-service') expect(after, key).toBe(before);
      else expect(after, key).toBeGreaterThan(before);
    }
    const created = (k: string) => summary.ops[k].create;
    expect(created('churchpad') + created('growcrm') + created('nodeping')).toBeGreaterThan(0);
    for (const key of providers) {
      expect(summary.ops[key].failed, key).toBe(0);
      // What a provider gained is what was created there.
      expect(summary.providers[key].after - summary.providers[key].before, key).toBe(
        summary.ops[key].create - summary.ops[key].delete,
      );
    }
    const totalOps = providers.reduce((n, k) => n + created(k) + summary.ops[k].update + summary.ops[k].delete, 0);
    expect(totalOps).toBe(summary.firstSync.opsApplied);
    expect(summary.conflicts.field ?? 0).toBeGreaterThan(0); // the seed edits people differently in places
    expect(typeof summary.quarantined.total).toBe('number');
    expect(summary.durationMs).toBeGreaterThan(0);

    // Progress and the human summary went to stderr; stdout held only the JSON line.
    expect(lines).toHaveLength(1);
    expect(run.stderr).toMatch(/full sync: done +pulls 5\/5/);
    expect(run.stderr).toContain('second resync');
    expect(run.stderr).toContain('CONVERGED');
  });
});
