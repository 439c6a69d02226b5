import type { AdminContext } from '@contact-sync/admin-ops';
import {
  conflictCountsByStatus,
  type DurationHistogram,
  durationHistogram,
  heldDeleteCounts,
  opCountsByStatus,
  pulledTotals,
} from '@contact-sync/store';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/**
 * Prometheus metrics, computed at scrape time from Postgres and BullMQ: the worker runs in
 * other processes (several of them), so the database is the one place that sees everything.
 * Counters and histograms are cumulative over the rows kept (sync runs and outbox ops).
 */
const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** A histogram whose buckets come from a query; prom-client renders it like its own. */
function dbHistogram(name: string, help: string, load: () => Promise<DurationHistogram>) {
  return {
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    async get() {
      const { buckets, totals } = await load();
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const t of totals) {
        const connection = t.connectionId ?? '';
        for (const le of LATENCY_BUCKETS) {
          const row = buckets.find((b) => b.connectionId === t.connectionId && Number(b.le) === le);
          values.push({ metricName: `${name}_bucket`, labels: { connection, le }, value: Number(row?.n ?? 0) });
        }
        values.push({ metricName: `${name}_bucket`, labels: { connection, le: '+Inf' }, value: Number(t.n) });
        values.push({ metricName: `${name}_sum`, labels: { connection }, value: Number(t.sum ?? 0) });
        values.push({ metricName: `${name}_count`, labels: { connection }, value: Number(t.n) });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {},
  };
}

export function createMetrics(res: AdminContext): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'contact_sync_admin_' });
  const { prisma } = res;

  new Counter({
    name: 'contact_sync_records_pulled_total',
    help: 'Records returned by pulls, summed over the sync runs kept (by connection)',
    labelNames: ['connection'],
    registers: [registry],
    async collect() {
      const rows = await pulledTotals(prisma);
      this.reset();
      for (const r of rows) this.inc({ connection: r.connectionId }, r.pulled);
    },
  });

  new Gauge({
    name: 'contact_sync_ops',
    help: 'Outbox ops by connection, kind (create/update/delete) and outcome (pending, in_flight, done, failed, superseded)',
    labelNames: ['connection', 'kind', 'status'],
    registers: [registry],
    async collect() {
      const rows = await opCountsByStatus(prisma);
      this.reset();
      for (const r of rows) this.set({ connection: r.connectionId, kind: r.kind, status: r.status }, r.n);
    },
  });

  new Gauge({
    name: 'contact_sync_conflicts_open',
    help: 'Open entries of the conflict report, by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      const rows = await conflictCountsByStatus(prisma);
      this.reset();
      for (const r of rows) if (r.status === 'open') this.set({ kind: r.kind }, r.n);
    },
  });

  new Gauge({
    name: 'contact_sync_held_deletes',
    help: 'Deletes held back by the mass-delete guard, awaiting a decision (by connection)',
    labelNames: ['connection'],
    registers: [registry],
    async collect() {
      const rows = await heldDeleteCounts(prisma);
      this.reset();
      for (const r of rows) this.set({ connection: r.connectionId }, r.n);
    },
  });

  new Gauge({
    name: 'contact_sync_queue_jobs',
    help: 'BullMQ jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const queues = [...res.queues.pull.values(), ...res.queues.push.values(), res.queues.reconcile];
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')),
      );
      this.reset();
      queues.forEach((q, i) => {
        for (const [state, n] of Object.entries(counts[i] ?? {})) this.set({ queue: q.name, state }, n);
      });
    },
  });

  registry.registerMetric(
    dbHistogram(
      'contact_sync_pull_duration_seconds',
      'Duration of completed pulls (sync run start to finish), by connection',
      () => durationHistogram(prisma, 'pull', LATENCY_BUCKETS),
    ) as never,
  );
  registry.registerMetric(
    dbHistogram(
      'contact_sync_push_latency_seconds',
      'Time from an outbox op being written to being applied at the provider (done ops), by connection',
      () => durationHistogram(prisma, 'push', LATENCY_BUCKETS),
    ) as never,
  );
  return registry;
}
