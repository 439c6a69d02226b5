import { emptyCanonical } from './canonical.ts';
import type { ConflictEntry } from './conflicts.ts';
import { type HeldCell, mergeRecord, type Voter } from './merge.ts';
import { normalizeProjection } from './normalize.ts';
import { resolveNationalPhones } from './phone-context.ts';
import { agreedBase, idempotencyKey, missingForCreate, sameProjection, type Target, targetFor } from './plan.ts';
import type {
  ConnectionPolicy,
  LinkChange,
  PlannedOp,
  ReconcileContext,
  ReconcileInput,
  ReconcileResult,
  ReportEntry,
  SideState,
} from './types.ts';

/**
 * Reconciles one canonical person: decides deletes, merges the fields of every linked side
 * against its base, and plans per connection the minimal operations. Pure and deterministic:
 * the order of sides and connections does not matter.
 */

interface ConnIndex {
  byId: Map<string, ConnectionPolicy>;
  sorted: ConnectionPolicy[];
}
const connIndex = new WeakMap<readonly ConnectionPolicy[], ConnIndex>();
/** The last list indexed: a batch reconciles every person against the same list, so one compare finds it. */
let lastIndexed: { conns: readonly ConnectionPolicy[]; index: ConnIndex } | null = null;
const indexConnections = (conns: readonly ConnectionPolicy[]): ConnIndex => {
  if (lastIndexed?.conns === conns) return lastIndexed.index;
  let m = connIndex.get(conns);
  if (!m) {
    m = { byId: new Map(conns.map((c) => [c.id, c])), sorted: [...conns].sort((a, b) => (a.id < b.id ? -1 : 1)) };
    connIndex.set(conns, m);
  }
  lastIndexed = { conns, index: m };
  return m;
};

const bySide = (a: SideState, b: SideState): number =>
  a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : a.externalId < b.externalId ? -1 : 1;

/**
 * The sides in `bySide` order. A person has a handful of sides: an insertion sort of a copy
 * costs a fraction of `Array.prototype.sort` (the same stable order), and none when already sorted.
 */
const sortedSides = (sides: readonly SideState[]): readonly SideState[] => {
  let out: SideState[] | null = null;
  for (let i = 1; i < sides.length; i++) {
    const x = sides[i]!;
    if (out === null) {
      if (bySide(x, sides[i - 1]!) >= 0) continue;
      out = sides.slice(); // the whole list at once: filling a shorter copy would grow it
    }
    let j = i;
    while (j > 0 && bySide(x, out[j - 1]!) < 0) {
      out[j] = out[j - 1]!;
      j--;
    }
    out[j] = x;
  }
  return out ?? sides;
};

/** A side still holding the person: its own voter in the merge (unless the connection is push-only). */
interface Live extends Voter {
  side: SideState;
}

// Built field by field (no spreads), at module level (no closures per call): these run for every
// side of every person.
const noteAt = (report: ReportEntry[], canonicalId: string, l: Live, r: Target['report'][number]) =>
  report.push({
    canonicalId,
    connectionId: l.connectionId,
    externalId: l.externalId,
    kind: r.kind,
    field: r.field,
    value: r.value,
    message: r.message,
  });

/** `list` with `x` added, made on the first one (most people need none of these lists). */
const pushed = <T>(list: T[] | null, x: T): T[] => {
  if (list === null) return [x];
  list.push(x);
  return list;
};

/** Whether this person has a record (or a held/ignored delete, or a detach) in connection `id`. */
const occupied = (
  id: string,
  live: readonly Live[],
  keptDeletes: readonly string[] | null,
  detached: readonly string[] | undefined,
): boolean => {
  for (let i = 0; i < live.length; i++) if (live[i]!.conn.id === id) return true;
  return keptDeletes?.includes(id) === true || detached?.includes(id) === true;
};

/** A report entry about this person (a module-level function, not a closure made for every person). */
const noteIn = (report: ReportEntry[], canonicalId: string, e: Omit<ReportEntry, 'canonicalId'>) =>
  report.push({ canonicalId, ...e });

/** A side that needs no write agrees on its current (held cells kept): a set-base when that moves its base. */
const agree = (l: Live, held: readonly HeldCell[], links: LinkChange[]) => {
  const nb = agreedBase(l.conn, l.current, l.base, held);
  if (!sameProjection(nb, l.base))
    links.push({ kind: 'set-base', connectionId: l.connectionId, externalId: l.externalId, base: nb });
};

export const reconcileRecord = (given: ReconcileInput, ctx: ReconcileContext): ReconcileResult => {
  // Bare-digit phones read in the person's country first, so one number in two notations is one entry.
  const input = resolveNationalPhones(given);
  const { canonicalId } = input;
  const { byId: conns, sorted: sortedConns } = indexConnections(ctx.connections);
  const ops: PlannedOp[] = [];
  const links: LinkChange[] = [];
  const report: ReportEntry[] = [];

  /**
   * Connections where this person has a record (or a held/ignored delete): no create there. They are
   * the live sides' connections, the detached ones, and `keptDeletes` (made only when a delete is held
   * or not propagated: most people have none).
   */
  // Plain lists: a person has a handful of connections, and a Set costs more to make than to search.
  let keptDeletes: string[] | null = null;
  /** Connections where a delete lost to an edit: re-create whatever the create policy. */
  let recreate: string[] | null = null;
  const live: Live[] = [];
  let deleters: { side: SideState; conn: ConnectionPolicy }[] | null = null;

  const sides = sortedSides(input.sides);
  for (const side of sides) {
    const conn = conns.get(side.connectionId);
    if (conn && side.current !== null) {
      live.push({
        side,
        conn,
        connectionId: conn.id,
        externalId: side.externalId,
        updatedAt: side.updatedAt,
        // Bases are the core's own output (normalized); re-checking them would double the cost.
        // A current that is its base (the caller saw equal content hashes) is normal for the same reason.
        base: side.base,
        current: side.current === side.base ? side.current : normalizeProjection(side.current),
      });
      continue;
    }
    const at = { connectionId: side.connectionId, externalId: side.externalId, field: null, value: null };
    if (!conn) {
      noteIn(report, canonicalId, {
        kind: 'unknown-connection',
        ...at,
        message: 'link to a connection that is not configured; left alone',
      });
      continue;
    }
    if (side.deleteHeld) {
      keptDeletes = pushed(keptDeletes, conn.id);
      noteIn(report, canonicalId, {
        kind: 'delete-held',
        ...at,
        message: 'mass-delete guard holds this delete until an admin confirms it',
      });
    } else if (conn.direction === 'push' || side.base === null) {
      // The engine owns a push-only record; a lost base deletes nothing: just forget the link.
      links.push({ kind: 'unlink', connectionId: conn.id, externalId: side.externalId });
      noteIn(report, canonicalId, {
        kind: 'delete-unlinked',
        ...at,
        message:
          conn.direction === 'push'
            ? 'gone from a push-only connection'
            : 'gone, but no agreed base: nothing else is deleted',
      });
    } else if (conn.deletePolicy === 'propagate') {
      deleters = pushed(deleters, { side, conn });
    } else if (conn.deletePolicy === 'unlink') {
      keptDeletes = pushed(keptDeletes, conn.id);
      links.push({ kind: 'detach', connectionId: conn.id, externalId: side.externalId });
      noteIn(report, canonicalId, {
        kind: 'delete-unlinked',
        ...at,
        message: 'delete policy unlink: detached, not propagated',
      });
    } else {
      keptDeletes = pushed(keptDeletes, conn.id);
      noteIn(report, canonicalId, { kind: 'delete-ignored', ...at, message: 'delete policy ignore: not propagated' });
    }
  }

  if (input.canonical === null && live.length === 0) {
    // Nobody holds this person any more (or never did): nothing to merge, nothing to create.
    return { canonical: null, ops: [], links, conflicts: [], report };
  }

  // Push-only connections contribute nothing.
  let voters: readonly Voter[] = live;
  for (const l of live)
    if (l.conn.direction === 'push') {
      voters = live.filter((x) => x.conn.direction !== 'push');
      break;
    }
  const merged = mergeRecord(canonicalId, input.canonical ?? emptyCanonical(), voters, ctx.conflictPolicy);
  // The merge's own list (new for this call) is the result's: the conflicts of deletes join it.
  const conflicts = merged.conflicts;

  if (deleters !== null) {
    if (merged.editors.size === 0) return deleteEverywhere(canonicalId, deleters, live, conflicts, report, links);
    // Delete against edit: the edit wins, the record comes back where it was deleted.
    for (const d of deleters) {
      links.push({ kind: 'unlink', connectionId: d.conn.id, externalId: d.side.externalId });
      recreate = pushed(recreate, d.conn.id);
      conflicts.push({
        kind: 'delete-vs-edit',
        canonicalId,
        field: null,
        key: null,
        base: null,
        sides: [
          { connectionId: d.conn.id, externalId: d.side.externalId, value: null, updatedAt: d.side.updatedAt },
          ...voters
            .filter((v) => merged.editors.has(v.connectionId))
            .map((v) => ({
              connectionId: v.connectionId,
              externalId: v.externalId,
              value: 'edited',
              updatedAt: v.updatedAt,
            })),
        ],
        chosen: 'edited',
        rule: 'delete against edit: the edit wins and the record is re-created where it was deleted',
        status: 'auto-resolved',
      });
    }
  }

  const canonical = merged.canonical;
  for (const l of live) {
    if (l.conn.direction === 'pull') {
      agree(l, merged.held, links);
      continue;
    }
    const t = targetFor(l.conn, canonical, l.current, l.base, merged.held);
    if (t === null) {
      agree(l, merged.held, links);
      continue;
    }
    if (t.changed.length === 0) {
      // A required value the canonical record lost stays visible even when nothing is written.
      for (const r of t.report) if (r.kind === 'required-kept') noteAt(report, canonicalId, l, r);
      agree(l, merged.held, links);
      continue;
    }
    for (const r of t.report) noteAt(report, canonicalId, l, r);
    ops.push({
      connectionId: l.conn.id,
      canonicalId,
      kind: 'update',
      externalId: l.side.externalId,
      target: t.target,
      changed: t.changed,
      baseAfter: t.baseAfter,
      idempotencyKey: idempotencyKey(l.conn.id, canonicalId, 'update', t.target, l.side.externalId),
    });
  }

  for (const conn of sortedConns) {
    if (conn.direction === 'pull' || occupied(conn.id, live, keptDeletes, input.detached)) continue;
    const forced = recreate?.includes(conn.id) === true;
    if (!forced && conn.createPolicy !== 'create') continue;
    const at = { connectionId: conn.id, externalId: null, field: null, value: null };
    if (!conn.capabilities.canCreate) {
      if (forced)
        noteIn(report, canonicalId, {
          kind: 'create-skipped',
          ...at,
          message: 'edit won over a delete, but this provider cannot create records',
        });
      continue;
    }
    const t = targetFor(conn, canonical, null, null, merged.held)!; // a create always has a target
    const missing = missingForCreate(conn, t.target);
    if (missing.length > 0) {
      noteIn(report, canonicalId, {
        kind: 'create-skipped',
        ...at,
        message: `required for create but empty: ${missing.join(', ')}`,
      });
      continue;
    }
    if (forced)
      noteIn(report, canonicalId, {
        kind: 'recreated',
        ...at,
        message: 'deleted here but edited elsewhere: re-created',
      });
    // Field by field, in the order `{ canonicalId, ...at, ...r }` gives (no spreads: this runs for every create).
    for (const r of t.report)
      report.push({
        canonicalId,
        connectionId: at.connectionId,
        externalId: at.externalId,
        field: r.field,
        value: r.value,
        kind: r.kind,
        message: r.message,
      });
    ops.push({
      connectionId: conn.id,
      canonicalId,
      kind: 'create',
      externalId: null,
      target: t.target,
      changed: t.changed,
      baseAfter: t.baseAfter,
      idempotencyKey: idempotencyKey(conn.id, canonicalId, 'create', t.target, null),
    });
  }

  return { canonical, ops, links, conflicts, report };
};

const deleteEverywhere = (
  canonicalId: string,
  deleters: { side: SideState; conn: ConnectionPolicy }[],
  live: Live[],
  conflicts: ConflictEntry[],
  report: ReportEntry[],
  links: LinkChange[],
): ReconcileResult => {
  const ops: PlannedOp[] = [];
  const from = deleters.map((d) => d.conn.id).join(', ');
  for (const d of deleters) links.push({ kind: 'unlink', connectionId: d.conn.id, externalId: d.side.externalId });
  for (const l of live) {
    const at = { canonicalId, connectionId: l.conn.id, externalId: l.side.externalId, field: null, value: null };
    if (l.conn.direction !== 'pull' && l.conn.capabilities.canDelete) {
      ops.push({
        connectionId: l.conn.id,
        canonicalId,
        kind: 'delete',
        externalId: l.side.externalId,
        target: null,
        changed: [],
        baseAfter: null,
        idempotencyKey: idempotencyKey(l.conn.id, canonicalId, 'delete', null, l.side.externalId),
      });
      report.push({ kind: 'delete-propagated', ...at, message: `deleted in ${from}` });
    } else {
      links.push({ kind: 'detach', connectionId: l.conn.id, externalId: l.side.externalId });
      report.push({
        kind: 'delete-not-propagated',
        ...at,
        message: `deleted in ${from}; this connection ${l.conn.direction === 'pull' ? 'is pull-only' : 'cannot delete'}: detached`,
      });
    }
  }
  return { canonical: null, ops, links, conflicts, report };
};
