import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FieldKey, type Projection, SCALAR_FIELDS, SET_FIELDS, type SetField } from './canonical.ts';
import type { ConflictEntry } from './conflicts.ts';
import { contentHash, normalizedContentHash } from './hash.ts';
import { massDeleteGuard } from './policies.ts';
import { reconcileRecord } from './reconcile.ts';
import { arbEdit, arbWorldSpec, buildWorld, type WorldSpec } from './test-support/arbitraries.ts';
import { heldFields } from './test-support/descriptors.ts';
import { applyEdit, applyResult, pullBack, reconcileWorld, sidesOf, type World } from './test-support/world.ts';
import type { ReconcileResult, SideState } from './types.ts';

/**
 * Property tests over random histories: up to five connections of four kinds, agreeing on a
 * person (or holding another version of them with no base), then edits, adds, removes and
 * deletes on any of them, then one sync (reconcile + every planned op applied through each
 * provider's messy storage and the mapper's normalization).
 */

type Cell = string | null;
const cellOf = (p: Projection | null | undefined, f: FieldKey, key: string | null): Cell => {
  if (!p) return null;
  if (key === null) return (p[f] as string | null | undefined) ?? null;
  const e = (p[f] as { value: string; label: string | null }[] | undefined)?.find((x) => x.value === key);
  return e ? (e.label ?? '') : null;
};
const cellsOf = (ps: (Projection | null | undefined)[]): [FieldKey, string | null][] => {
  const out: [FieldKey, string | null][] = SCALAR_FIELDS.map((f) => [f, null]);
  for (const f of SET_FIELDS) {
    const keys = new Set<string>();
    for (const p of ps) for (const e of p?.[f] ?? []) keys.add(e.value);
    for (const k of keys) out.push([f, k]);
  }
  return out;
};
const inConflict = (cs: ConflictEntry[], f: FieldKey, key: string | null, connectionId: string) =>
  cs.some(
    (c) => c.kind === 'field' && c.field === f && c.key === key && c.sides.some((s) => s.connectionId === connectionId),
  );

interface Synced {
  w: World;
  pre: SideState[];
  preCanonical: World['canonical'];
  r1: ReconcileResult;
  post: Map<string, Projection | null>;
}

const sync = (spec: WorldSpec): Synced => {
  const w = buildWorld(spec);
  for (const e of spec.edits) applyEdit(w, e);
  const pre = sidesOf(w);
  const preCanonical = w.canonical;
  const r1 = reconcileWorld(w);
  applyResult(w, r1);
  const post = new Map<string, Projection | null>();
  for (const c of w.ctx.connections) {
    const rec = w.records.get(c.id);
    post.set(c.id, rec && w.links.get(c.id)?.externalId === rec.externalId ? pullBack(rec.data) : null);
  }
  return { w, pre, preCanonical, r1, post };
};

// FC_RUNS raises the number of histories for a deeper local search; the default keeps the suite fast.
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 400) };

describe('merge core properties', () => {
  it('a side passed with its base as current (equal content hashes) plans exactly as its own copy', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const w = buildWorld(spec);
        for (const e of spec.edits) applyEdit(w, e);
        const sides = sidesOf(w);
        const same = sides.map((s) =>
          s.current && s.base && contentHash(s.current) === normalizedContentHash(s.base)
            ? { ...s, current: s.base }
            : s,
        );
        const input = { canonicalId: w.canonicalId, canonical: w.canonical, detached: [...w.detached] };
        const a = reconcileRecord({ ...input, sides }, w.ctx);
        const b = reconcileRecord({ ...input, sides: same }, w.ctx);
        const noRaw = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'raw' ? undefined : v)));
        expect(noRaw(b)).toEqual(noRaw(a));
      }),
      RUNS,
    );
  });

  it('idempotence and echo suppression: a second sync with no outside change plans nothing', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const { w, r1 } = sync(spec);
        const r2 = reconcileWorld(w);
        expect(r2.ops).toEqual([]);
        expect(r2.links).toEqual([]);
        expect(r2.canonical).toEqual(w.canonical);
        // Only conflicts held for review come back.
        expect(r2.conflicts.filter((c) => c.status !== 'open')).toEqual([]);
        expect(r2.conflicts.length).toBeLessThanOrEqual(r1.conflicts.length);
      }),
      RUNS,
    );
  });

  it('convergence: every writable connection that holds a field agrees with the canonical record', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const { w, r1, post } = sync(spec);
        const open = new Set(r1.conflicts.filter((c) => c.status === 'open').map((c) => c.field));
        const kept = new Set(
          r1.report.filter((e) => e.kind === 'required-kept').map((e) => `${e.connectionId}/${e.field}`),
        );
        for (const conn of w.ctx.connections) {
          const p = post.get(conn.id);
          if (conn.direction === 'pull') continue;
          if (w.canonical === null) {
            if (conn.capabilities.canDelete) expect(p).toBeNull();
            continue;
          }
          if (!p) continue;
          const writable = conn.capabilities.fields.filter((f) => !conn.capabilities.readOnlyFields.includes(f));
          const limited = conn.capabilities.requiredForCreate.length >= 4; // the one-slot flat kind
          for (const f of writable) {
            if (open.has(f) || kept.has(`${conn.id}/${f}`)) continue;
            const want = w.canonical[f];
            if (!Array.isArray(want)) {
              expect(p[f] ?? null, `${conn.id}.${f}`).toBe(want);
            } else if (limited) {
              const got = (p[f] as { value: string }[]) ?? [];
              expect(got.length).toBe(want.length > 0 ? 1 : 0);
              for (const e of got) expect(want.map((x) => x.value)).toContain(e.value);
            } else {
              const strip = (es: { value: string; label: string | null }[]) => es.map((e) => [e.value, e.label]);
              expect(strip((p[f] as []) ?? []), `${conn.id}.${f}`).toEqual(strip(want));
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('no silent loss: a cell a side changed is what it holds after the sync, or is in a conflict entry', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const { w, pre, preCanonical, r1, post } = sync(spec);
        for (const s of pre) {
          const conn = w.ctx.connections.find((c) => c.id === s.connectionId)!;
          if (s.current === null || conn.direction === 'push') continue;
          const held = heldFields(conn.capabilities);
          for (const [f, key] of cellsOf([s.base, s.current])) {
            if (!held.includes(f)) continue;
            const cur = cellOf(s.current, f, key);
            // Without a base, only a value that differs from the agreed one is a change.
            // (The agreed label as this side would hold it: a provider without labels agrees with any.)
            const agreed = cellOf(preCanonical, f, key);
            const labelFor = conn.capabilities.labelFor;
            const agreedHere =
              key !== null && agreed !== null && labelFor
                ? (labelFor(f as SetField, agreed === '' ? null : agreed) ?? '')
                : agreed;
            const moved = s.base ? cellOf(s.base, f, key) !== cur : cur !== null && cur !== agreedHere;
            if (!moved) continue;
            const after = post.get(s.connectionId);
            const kept = after !== null && after !== undefined && cellOf(after, f, key) === cur;
            if (!kept && !inConflict(r1.conflicts, f, key, s.connectionId)) {
              throw new Error(`${s.connectionId} changed ${f}${key ? `[${key}]` : ''} to ${cur}: lost silently`);
            }
          }
        }
      }),
      RUNS,
    );
  });

  it('every change to the canonical record is the propagation of some side’s change', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const { w, pre, preCanonical, r1 } = sync(spec);
        if (r1.canonical === null || preCanonical === null) return;
        for (const [f, key] of cellsOf([preCanonical, r1.canonical])) {
          const before = cellOf(preCanonical, f, key);
          const after = cellOf(r1.canonical, f, key);
          if (before === after) continue;
          const sources = pre.filter((s) => {
            const conn = w.ctx.connections.find((c) => c.id === s.connectionId)!;
            return conn.direction !== 'push' && s.current !== null && cellOf(s.current, f, key) === after;
          });
          // A display name made of the names follows their change (a propagation of that change).
          const c1 = r1.canonical;
          const composed = [
            [c1.givenName, c1.familyName].filter(Boolean).join(' '),
            [c1.givenName, c1.middleName, c1.familyName].filter(Boolean).join(' '),
            [c1.familyName, c1.givenName].filter(Boolean).join(' '),
            `${c1.familyName}${c1.givenName}`,
          ];
          const namesChanged = (['givenName', 'middleName', 'familyName'] as const).some(
            (n) => c1[n] !== preCanonical[n],
          );
          const followed = f === 'displayName' && namesChanged && composed.includes(after as string);
          if (followed) continue;
          expect(sources.length, `${f}${key ? `[${key}]` : ''} became ${after} from nowhere`).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('order independence: shuffling sides and connections gives the same result', () => {
    fc.assert(
      fc.property(arbWorldSpec, fc.array(fc.nat(1000), { minLength: 10, maxLength: 10 }), (spec, keys) => {
        const w = buildWorld(spec);
        for (const e of spec.edits) applyEdit(w, e);
        const input = {
          canonicalId: w.canonicalId,
          canonical: w.canonical,
          sides: sidesOf(w),
          detached: [...w.detached],
        };
        const shuffle = <T>(xs: readonly T[]) =>
          xs
            .map((x, i) => [keys[i % keys.length]! + i / 100, x] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, x]) => x);
        const a = reconcileRecord(input, w.ctx);
        const b = reconcileRecord(
          { ...input, sides: shuffle(input.sides) },
          { ...w.ctx, connections: shuffle(w.ctx.connections) },
        );
        expect(b).toEqual(a);
      }),
      RUNS,
    );
  });

  it('guard: deletes held by the mass-delete guard plan no delete and no unlink', () => {
    fc.assert(
      fc.property(arbWorldSpec, (spec) => {
        const w = buildWorld(spec);
        for (const e of spec.edits) applyEdit(w, e);
        const sides = sidesOf(w).map((s) => (s.current === null ? { ...s, deleteHeld: true } : s));
        const r = reconcileRecord({ canonicalId: w.canonicalId, canonical: w.canonical, sides }, w.ctx);
        expect(r.ops.filter((o) => o.kind === 'delete')).toEqual([]);
        const heldIds = new Set(sides.filter((s) => s.deleteHeld).map((s) => s.connectionId));
        expect(r.links.filter((l) => heldIds.has(l.connectionId))).toEqual([]);
        expect(r.ops.filter((o) => heldIds.has(o.connectionId))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('over several rounds of outside edits and syncs, the world settles: a final resync is a no-op', () => {
    fc.assert(
      fc.property(arbWorldSpec, fc.array(fc.array(arbEdit, { maxLength: 4 }), { maxLength: 3 }), (spec, rounds) => {
        const w = buildWorld(spec);
        for (const edits of [spec.edits, ...rounds]) {
          for (const e of edits) applyEdit(w, e);
          applyResult(w, reconcileWorld(w));
        }
        const last = reconcileWorld(w);
        expect(last.ops).toEqual([]);
        expect(last.links).toEqual([]);
      }),
      RUNS,
    );
  });

  it('massDeleteGuard holds exactly when more than the threshold vanished, or nothing was listed', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.nat(10_000),
        fc.nat(10_000),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (total, v, extra, threshold) => {
          const vanished = Math.min(v, total);
          const listed = total - vanished + (extra % 3 === 0 ? 0 : extra);
          const { held } = massDeleteGuard({ total, vanished, listed, threshold });
          expect(held).toBe(vanished > 0 && (listed === 0 || vanished / total > threshold));
        },
      ),
    );
  });

  it('massDeleteGuard never lets a small account be emptied, whatever its size or threshold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), (total, threshold) => {
        // Every record vanished and nothing was listed: the worst case for any account.
        expect(massDeleteGuard({ total, vanished: total, listed: 0, threshold }).held).toBe(true);
      }),
    );
  });
});
