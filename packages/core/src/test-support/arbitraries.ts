import fc from 'fast-check';
import { type Canonical, emptyCanonical, SCALAR_FIELDS, SET_FIELDS, type SetField } from '../canonical.ts';
import { normalizeProjection } from '../normalize.ts';
import type { ConflictPolicy } from '../policies.ts';
import type { ConnectionPolicy, CreatePolicy, DeletePolicy, Direction } from '../types.ts';
import { DESCRIPTORS, type DescriptorName } from './descriptors.ts';
import { capacity, type Edit, messUp, pullBack, type World } from './world.ts';

/** Small pools, so that random histories collide (same values, same entries) often. */
const NAMES = ['Ann', 'Bob', 'Cy Young'];
const POOL: Record<SetField, string[]> = {
  emails: ['a@x.io', 'b@x.io', 'c@x.io'],
  phones: ['+12125550100', '+12125550101', '+12125550102'],
  websites: ['https://a.io', 'https://b.io'],
  chats: ['skype:ann', 'slack:bob'],
};
const LABELS = [null, 'work', 'home'];
const AVATARS = ['https://img.io/a.png', 'https://img.io/b.png'];
const poolOf = (f: (typeof SCALAR_FIELDS)[number]): string[] => (f === 'avatarUrl' ? AVATARS : NAMES);

const arbEntry = (f: SetField) => fc.record({ value: fc.constantFrom(...POOL[f]), label: fc.constantFrom(...LABELS) });

const arbCanonical: fc.Arbitrary<Canonical> = fc
  .record({
    ...Object.fromEntries(SCALAR_FIELDS.map((f) => [f, fc.option(fc.constantFrom(...poolOf(f)), { nil: null })])),
    ...Object.fromEntries(SET_FIELDS.map((f) => [f, fc.array(arbEntry(f), { maxLength: 3 })])),
  })
  .map((c) => ({ ...emptyCanonical(), ...normalizeProjection(c as Canonical) }) as Canonical);

interface ConnSpec {
  desc: DescriptorName;
  direction: Direction;
  createPolicy: CreatePolicy;
  deletePolicy: DeletePolicy;
  state: 'linked' | 'lost' | 'absent';
}

const arbConn: fc.Arbitrary<ConnSpec> = fc.record({
  desc: fc.constantFrom<DescriptorName>('methods', 'flat', 'named', 'full'),
  direction: fc.constantFrom<Direction>('both', 'both', 'both', 'pull', 'push'),
  createPolicy: fc.constantFrom<CreatePolicy>('create', 'create', 'skip'),
  deletePolicy: fc.constantFrom<DeletePolicy>('propagate', 'propagate', 'unlink', 'ignore'),
  state: fc.constantFrom<ConnSpec['state']>('linked', 'linked', 'linked', 'lost', 'absent'),
});

const setField = fc.constantFrom<SetField>(...SET_FIELDS);
export const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc
    .record({
      kind: fc.constant('set' as const),
      conn: fc.nat(4),
      field: fc.constantFrom(...SCALAR_FIELDS),
      pick: fc.nat(2),
      none: fc.boolean(),
    })
    .map(({ kind, conn, field, pick, none }) => {
      const pool = poolOf(field);
      return { kind, conn, field, value: none ? null : pool[pick % pool.length]! };
    }),
  setField.chain((field) =>
    fc.record({
      kind: fc.constant('add' as const),
      conn: fc.nat(4),
      field: fc.constant(field),
      value: fc.constantFrom(...POOL[field]),
      label: fc.constantFrom(...LABELS),
    }),
  ),
  fc.record({ kind: fc.constant('remove' as const), conn: fc.nat(4), field: setField, index: fc.nat(3) }),
  fc.record({
    kind: fc.constant('relabel' as const),
    conn: fc.nat(4),
    field: setField,
    index: fc.nat(3),
    label: fc.constantFrom(...LABELS),
  }),
  fc.record({ kind: fc.constant('delete' as const), conn: fc.nat(4) }),
);

export interface WorldSpec {
  c0: Canonical;
  other: Canonical;
  conns: ConnSpec[];
  policy: 'priority' | 'newest' | 'hold';
  rank: number[];
  edits: Edit[];
}

export const arbWorldSpec: fc.Arbitrary<WorldSpec> = fc.record({
  c0: arbCanonical,
  other: arbCanonical,
  conns: fc.array(arbConn, { minLength: 1, maxLength: 5 }),
  policy: fc.constantFrom<WorldSpec['policy']>('priority', 'newest', 'hold'),
  rank: fc.array(fc.nat(100), { minLength: 5, maxLength: 5 }),
  edits: fc.array(arbEdit, { maxLength: 8 }),
});

/** A world where every linked connection agreed on `c0`; lost-base ones hold `other` with no base. */
export const buildWorld = (spec: WorldSpec): World => {
  const connections: ConnectionPolicy[] = spec.conns.map((s, i) => ({
    id: `c${i}`,
    capabilities: DESCRIPTORS[s.desc],
    direction: s.direction,
    createPolicy: s.createPolicy,
    deletePolicy: s.deletePolicy,
  }));
  const ids = connections.map((c) => c.id);
  const order = [...ids].sort(
    (a, b) => spec.rank[Number(a.slice(1))]! - spec.rank[Number(b.slice(1))]! || (a < b ? -1 : 1),
  );
  const conflictPolicy: ConflictPolicy =
    spec.policy === 'priority'
      ? { kind: 'priority', order }
      : spec.policy === 'newest'
        ? { kind: 'newest', fallback: order }
        : { kind: 'hold' };
  const w: World = {
    ctx: { connections, conflictPolicy, now: '2025-01-01T00:00:00.000Z' },
    canonicalId: 'p1',
    canonical: spec.c0,
    records: new Map(),
    links: new Map(),
    detached: new Set(),
    clock: 0,
    nextId: 1,
  };
  spec.conns.forEach((s, i) => {
    const conn = connections[i]!;
    if (s.state === 'absent') return;
    const held = capacity(conn, s.state === 'lost' ? spec.other : spec.c0);
    const externalId = `e${i}`;
    w.records.set(conn.id, { externalId, data: messUp(held), updatedAt: '2025-01-01T00:00:00.000Z' });
    w.links.set(conn.id, { externalId, base: s.state === 'lost' ? null : pullBack(messUp(held)) });
  });
  return w;
};
