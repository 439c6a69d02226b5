import { createTestDatabase } from '@contact-sync/services/test-db';
import { type Stack, startStack } from '@contact-sync/testkit/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan, type PlanView } from './plan.ts';

// Issue 22: an admin sees what a pull + reconcile would write before it writes; applying the plan
// makes exactly those write calls, and a plan whose data changed meanwhile is refused.

const db = await createTestDatabase();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    databaseUrl: db.databaseUrl,
    redisUrl: db.redisUrl,
    prefix: db.redisPrefix,
    sandboxOptions: { seed: 31, contacts: 40 },
  });
  await stack.sync();
});
afterAll(async () => stack?.close());

const writes = () => stack.sandbox.requests().filter((r) => r.isWrite);
const byProvider = (rs: { provider: string }[]) => {
  const m: Record<string, number> = {};
  for (const r of rs) m[r.provider] = (m[r.provider] ?? 0) + 1;
  return m;
};
const growcrm = () => stack.sandbox.sim.growcrm;
const named = () =>
  growcrm()
    .snapshot()
    .contacts.filter((c) => c.first_name !== '');

async function settled(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await stack.res.prisma.outboxOp.count({ where: { status: { in: ['pending', 'in_flight'] } } })) > 0) {
    if (Date.now() > deadline) throw new Error('ops still pending');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything a plan must leave alone: engine tables, by count and latest change. */
async function engineState() {
  const p = stack.res.prisma;
  const [ops, conflicts, runs, links, seq, cursor, canon] = await Promise.all([
    p.outboxOp.count(),
    p.conflict.count(),
    p.syncRun.count(),
    p.link.findMany({
      select: { externalId: true, baseHash: true },
      orderBy: [{ connectionId: 'asc' }, { externalId: 'asc' }],
    }),
    p.snapshotRecord.aggregate({ _max: { changeSeq: true } }),
    p.reconcileCursor.findMany(),
    p.canonicalContact.findMany({ select: { id: true, contentHash: true }, orderBy: { id: 'asc' } }),
  ]);
  return { ops, conflicts, runs, links, seq: seq._max.changeSeq, cursor, canon };
}

const writesOf = (plan: PlanView) => {
  const m: Record<string, number> = {};
  for (const o of plan.ops) if (!o.held) m[o.connectionId] = (m[o.connectionId] ?? 0) + 1;
  return m;
};

describe('plan and apply', () => {
  let edited: number[] = [];

  it('a plan lists each write with its before and after, and writes nothing', async () => {
    edited = named()
      .slice(0, 3)
      .map((c) => c.id);
    for (const id of edited) growcrm().rawEdit(id, (x) => (x.first_name = `${x.first_name}ette`));
    const before = await engineState();
    stack.sandbox.clearRequests();
    const plan = await makePlan(stack.res, {}, stack.env);
    expect(writes()).toEqual([]);
    expect(await engineState()).toEqual(before);
    expect(await stack.res.prisma.plan.count()).toBe(1);

    expect(plan.status).toBe('planned');
    expect(plan.ops.length).toBeGreaterThan(0);
    // Every op is an update of a name (given, or the display name made of it) to the edited value,
    // to a provider other than growcrm; before is what that provider holds now.
    for (const o of plan.ops) {
      expect(o.kind).toBe('update');
      expect(o.connectionId).not.toBe('growcrm');
      expect(o.fields.length, JSON.stringify(o)).toBeGreaterThan(0);
      for (const f of o.fields) {
        expect(['givenName', 'displayName']).toContain(f.field);
        expect(String(f.after)).toContain('ette');
        expect(String(f.after).replace('ette', '')).toBe(f.before);
      }
    }
    const grow = plan.summary.connections.find((c) => c.connectionId === 'growcrm')!;
    expect(grow.pulled).toBe(growcrm().snapshot().contacts.length);
    expect(grow.updates).toBe(0);
    for (const c of plan.summary.connections.filter((x) => x.updates > 0)) {
      expect(c.people).toBeLessThanOrEqual(edited.length);
      expect(Math.max(c.fields.givenName?.changed ?? 0, c.fields.displayName?.changed ?? 0)).toBe(c.updates);
      expect(c.share).toBeCloseTo(c.updates / c.records);
    }
    expect(plan.snapshotHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply makes exactly the planned write calls and nothing else', async () => {
    const plan = await makePlan(stack.res, {}, stack.env);
    stack.sandbox.clearRequests();
    const r = await applyPlan(stack.res, plan.id, stack.env);
    expect(r.applied).toBe(true);
    await settled();
    const w = writes();
    expect(byProvider(w)).toEqual(writesOf(plan));
    // Each call writes one planned record.
    const planned = plan.ops.map((o) => `${o.connectionId}:${o.externalId}`).sort();
    expect(
      w
        .map((req) => {
          const o = plan.ops.find((x) => x.connectionId === req.provider && req.path.includes(String(x.externalId)));
          return o ? `${o.connectionId}:${o.externalId}` : `unplanned ${req.method} ${req.path}`;
        })
        .sort(),
    ).toEqual(planned);
    const stored = await stack.res.prisma.plan.findUnique({ where: { id: plan.id } });
    expect(stored?.status).toBe('applied');
    // Nothing left to do: the next sync writes nothing.
    stack.sandbox.clearRequests();
    await stack.sync();
    expect(writes()).toEqual([]);
    expect(await applyPlan(stack.res, plan.id, stack.env).catch((e) => e.code)).toBe('conflict');
  });

  it('a snapshot changed between plan and apply: nothing is written, a fresh plan comes back', async () => {
    const [a, b] = named();
    growcrm().rawEdit(a!.id, (x) => (x.last_name = `${x.last_name}-Smythe`));
    const plan = await makePlan(stack.res, {}, stack.env);
    expect(plan.ops.length).toBeGreaterThan(0);
    growcrm().rawEdit(b!.id, (x) => (x.last_name = `${x.last_name}-Jones`));
    const before = await engineState();
    stack.sandbox.clearRequests();
    const r = await applyPlan(stack.res, plan.id, stack.env);
    expect(r.applied).toBe(false);
    if (r.applied) return;
    expect(r.reason).toMatch(/other data/);
    expect(writes()).toEqual([]);
    expect(await engineState()).toEqual(before);
    expect((await stack.res.prisma.plan.findUnique({ where: { id: plan.id } }))?.status).toBe('stale');
    // The fresh plan holds both edits.
    expect(r.plan.id).not.toBe(plan.id);
    const afters = r.plan.ops.flatMap((o) => o.fields.map((f) => String(f.after)));
    expect(afters.some((v) => v.endsWith('-Smythe'))).toBe(true);
    expect(afters.some((v) => v.endsWith('-Jones'))).toBe(true);
    // …and applies.
    stack.sandbox.clearRequests();
    const again = await applyPlan(stack.res, r.plan.id, stack.env);
    expect(again.applied).toBe(true);
    await settled();
    expect(byProvider(writes())).toEqual(writesOf(r.plan));
  });

  it('a changed config is previewed and cannot be applied under the running one', async () => {
    // The new policy: nodeping only read from.
    const changed = {
      ...stack.config,
      connections: stack.config.connections.map((c) => (c.id === 'nodeping' ? { ...c, direction: 'pull' } : c)),
    };
    // A growcrm record of a person nodeping also holds.
    const pingPeople = new Set(
      (await stack.res.prisma.link.findMany({ where: { connectionId: 'nodeping' } })).map((l) => l.canonicalId),
    );
    const inBoth = (await stack.res.prisma.link.findMany({ where: { connectionId: 'growcrm' } })).filter((l) =>
      pingPeople.has(l.canonicalId),
    );
    const c = named().find((x) => inBoth.some((l) => l.externalId === String(x.id)));
    growcrm().rawEdit(c!.id, (x) => (x.first_name = `${x.first_name}ine`));
    stack.sandbox.clearRequests();
    const plan = await makePlan(stack.res, { config: changed }, stack.env);
    expect(writes()).toEqual([]);
    expect(plan.ops.some((o) => o.connectionId === 'nodeping')).toBe(false);
    expect(plan.ops.length).toBeGreaterThan(0);
    const running = await makePlan(stack.res, {}, stack.env);
    expect(
      running.ops.some((o) => o.connectionId === 'nodeping'),
      JSON.stringify({ running: running.ops, plan: plan.ops }),
    ).toBe(true);
    const r = await applyPlan(stack.res, plan.id, stack.env);
    expect(r.applied).toBe(false);
    if (!r.applied) expect(r.reason).toMatch(/another config/);
    expect(writes()).toEqual([]);
  });
});
