import {
  type Canonical,
  type FieldKey,
  type Projection,
  SCALAR_FIELDS,
  SET_FIELDS,
  type SetEntry,
  type SetField,
} from './canonical.ts';
import type { ConflictEntry, ConflictValue } from './conflicts.ts';
import { sortEntriesByValue } from './normalize.ts';
import { type Candidate, type ConflictPolicy, chooseByPolicy } from './policies.ts';
import type { ConnectionPolicy } from './types.ts';

/**
 * The three-way field merge of one canonical record. Every scalar field, and every entry of a
 * set field (keyed by its normalized value), is a cell whose value is `string | null`; for a
 * set entry the value is its label ('' = no label) and null means absent. A side *changed* a
 * cell when its current differs from its base; a side without a base for the cell (first
 * sync, lost base) only *proposes* a non-null value that differs from the canonical one, so
 * nothing is ever deleted on its account.
 */

export interface Voter {
  connectionId: string;
  externalId: string;
  conn: ConnectionPolicy;
  /** Normalized. */
  base: Projection | null;
  /** Normalized, non-null: deleted sides do not vote. */
  current: Projection;
  updatedAt: string | null;
}

/** A cell kept at its canonical value by the hold policy: nothing is written to these sides for it. */
export interface HeldCell {
  field: FieldKey;
  key: string | null;
  connectionIds: string[];
}

export interface MergeResult {
  canonical: Canonical;
  conflicts: ConflictEntry[];
  held: readonly HeldCell[];
  /** Connections whose record changed something since its base (for delete-vs-edit). */
  editors: ReadonlySet<string>;
}

interface Cell {
  v: Voter;
  base: string | null | undefined;
  cur: string | null;
  /** A side with no agreed value whose label reads as the canonical one too: it proposes nothing and votes for nothing. */
  abstains?: true;
}

const heldByCaps = new WeakMap<object, ReadonlySet<FieldKey>>();
const heldSetOf = (c: ConnectionPolicy): ReadonlySet<FieldKey> => {
  let set = heldByCaps.get(c.capabilities);
  if (!set) {
    set = new Set([...c.capabilities.fields, ...c.capabilities.readOnlyFields]);
    heldByCaps.set(c.capabilities, set);
  }
  return set;
};

const findEntry = (entries: readonly SetEntry[] | undefined, key: string): SetEntry | undefined => {
  if (!entries) return undefined;
  for (const e of entries) if (e.value === key) return e;
  return undefined;
};

const entryCell = (e: SetEntry | undefined): string | null => (e ? (e.label ?? '') : null);

/**
 * A base entry carrying this label records "no agreed value for this entry" (a first-sync
 * proposal held for review), since a projection can only say that for a whole field.
 */
export const NO_BASE_LABEL = '\u0000no-base';

const baseCell = (e: SetEntry | undefined): string | null | undefined =>
  e ? (e.label === NO_BASE_LABEL ? undefined : (e.label ?? '')) : null;

/** The movers of an outcome without a conflict: nobody is held, so nobody is listed (read-only, shared). */
const NO_MOVERS: Cell[] = [];

interface CellOutcome {
  value: string | null;
  /** The cell whose value was taken (for set entries: where `raw` comes from). */
  from: Cell | null;
  candidates: { value: string | null; cells: Cell[] }[] | null;
  rule: string;
  status: 'auto-resolved' | 'open';
  movers: Cell[];
}

const mergeCell = (
  canon: string | null,
  cells: Cell[],
  field: FieldKey,
  policy: ConflictPolicy,
  editors: Set<string>,
): CellOutcome | null => {
  // First without allocating (the common case: no mover, or movers that all say the same).
  let first: Cell | null = null;
  let oneValue = true;
  let proposer = false;
  let changer = false;
  for (const c of cells) {
    if (c.base === undefined) {
      if (c.cur === null || c.cur === canon) continue;
      proposer = true;
    } else if (c.cur !== c.base) changer = true;
    else continue;
    editors.add(c.v.connectionId);
    if (first === null) first = c;
    else if (c.cur !== first.cur) oneValue = false;
  }
  if (first === null) return null;
  if (oneValue && (!proposer || changer || canon === null)) {
    // Movers only matter for a conflict (who is held), and there is none: none listed.
    return { value: first.cur, from: first, candidates: null, rule: '', status: 'auto-resolved', movers: NO_MOVERS };
  }
  const movers: Cell[] = [];
  for (const c of cells)
    if (c.base === undefined ? c.cur !== null && c.cur !== canon : c.cur !== c.base) movers.push(c);
  const distinct: (string | null)[] = [];
  for (const m of movers) if (!distinct.includes(m.cur)) distinct.push(m.cur);
  let candidates: { value: string | null; cells: Cell[] }[];
  if (distinct.length === 1) {
    const only = distinct[0]!;
    // Only first-sync proposals against an agreed value: a conflict, not a silent overwrite.
    candidates = [
      { value: only, cells: movers },
      { value: canon, cells: cells.filter((c) => c.cur === canon && !c.abstains) },
    ];
  } else {
    candidates = distinct.map((value) => ({ value, cells: movers.filter((m) => m.cur === value) }));
  }
  const cands: Candidate[] = candidates.map((c) => ({
    sortKey: c.value ?? '\u0000',
    voters: c.cells.map((x) => ({
      connectionId: x.v.connectionId,
      updatedAt: x.v.conn.capabilities.hasTimestamps ? x.v.updatedAt : null,
    })),
  }));
  const choice = chooseByPolicy(policy, field, cands);
  if (choice.index === null) {
    return { value: canon, from: null, candidates, rule: choice.rule, status: choice.status, movers };
  }
  const won = candidates[choice.index]!;
  return {
    value: won.value,
    from: won.cells[0] ?? null,
    candidates,
    rule: choice.rule,
    status: choice.status,
    movers,
  };
};

const rendered = (v: Voter, f: SetField, label: string): string => {
  const labelFor = v.conn.capabilities.labelFor;
  return labelFor ? (labelFor(f, label === '' ? null : label) ?? '') : label;
};

/**
 * Providers label entries in their own vocabularies (ChurchPad none, NodePing "sms"/"voice",
 * R-Service work/home/mobile/fax): a label differing only because a provider cannot say more is
 * not a disagreement. Finds a label that every side holding the entry would render as the label
 * it holds — the canonical one first, then the sides' own, a real label before none — and reads
 * each side's label (and base) that renders it as that label. When there is none, the sides
 * really differ and the labels merge as they are.
 */
const readLabels = (f: SetField, canon: string | null, cells: Cell[]): Cell[] => {
  // The common case first, without allocating: no side holding the entry has a vocabulary of its own.
  let vocabulary = false;
  for (const c of cells)
    if (c.cur !== null && c.v.conn.capabilities.labelFor !== undefined) {
      vocabulary = true;
      break;
    }
  if (!vocabulary) return cells;
  const holding = cells.filter((c) => c.cur !== null);
  const candidates: string[] = [];
  const add = (l: string | null | undefined) => {
    if (l !== null && l !== undefined && !candidates.includes(l)) candidates.push(l);
  };
  add(canon);
  for (const c of holding) if (c.cur !== '') add(c.cur);
  add('');
  for (const label of candidates) {
    if (!holding.every((c) => rendered(c.v, f, label) === c.cur)) continue;
    return cells.map((c) => {
      const as = rendered(c.v, f, label);
      // Without a base, a side that cannot tell `label` from the canonical label proposes neither: read
      // as a proposer it would be held, and read the next time as agreeing (another side holding the
      // entry can change which label is found) its base would be written again, with nothing changed.
      if (c.base === undefined && canon !== null && label !== canon && c.cur === rendered(c.v, f, canon)) {
        return { v: c.v, cur: canon, base: undefined, abstains: true };
      }
      return {
        v: c.v,
        cur: c.cur === as ? label : c.cur,
        base: c.base === as ? label : c.base,
      };
    });
  }
  return cells;
};

const quietSet = (base: readonly SetEntry[], cur: readonly SetEntry[] | undefined): boolean => {
  const c = cur ?? [];
  if (base.length !== c.length) return false;
  for (let i = 0; i < base.length; i++) {
    const b = base[i]!;
    const x = c[i]!;
    if (b.value !== x.value || b.label !== x.label) return false;
  }
  return true;
};

/** What a merge in which no side moved returns besides the canonical copy: read-only, shared. */
const NO_HELD: readonly HeldCell[] = [];
const NO_EDITORS: ReadonlySet<string> = new Set();

const addKeys = (keys: string[], es: readonly SetEntry[] | undefined): void => {
  if (es) for (const e of es) if (!keys.includes(e.value)) keys.push(e.value);
};

/** How a set entry's cell shows in a conflict entry. */
const showEntry =
  (key: string) =>
  (x: string | null): ConflictValue =>
    x === null ? null : { value: key, label: x === '' ? null : x };
const showScalar = (x: string | null): ConflictValue => x;

export const mergeRecord = (
  canonicalId: string,
  canonical: Canonical,
  voters: readonly Voter[],
  policy: ConflictPolicy,
): MergeResult => {
  // A first sync (one side, no base, nothing known yet): every value it holds is taken as it is.
  if (voters.length === 1 && voters[0]!.base === null && isEmptyCanonical(canonical))
    return mergeFirstSync(canonical, voters[0]!);
  return mergeRecordInFull(canonicalId, canonical, voters, policy);
};

/** Nothing known: every scalar null and every set empty (an undefined field is not "nothing" to the merge). */
const isEmptyCanonical = (c: Canonical): boolean =>
  c.givenName === null &&
  c.middleName === null &&
  c.familyName === null &&
  c.displayName === null &&
  c.organization === null &&
  c.title === null &&
  c.avatarUrl === null &&
  isEmptyList(c.emails) &&
  isEmptyList(c.phones) &&
  isEmptyList(c.websites) &&
  isEmptyList(c.chats);
const isEmptyList = (es: unknown): boolean => Array.isArray(es) && es.length === 0;

/**
 * `mergeRecordInFull` for one voter without a base against an empty canonical record, without its
 * cells: each cell of the voter is a proposal against nothing, which it takes (no conflict, nothing
 * held); set labels are read in the voter's vocabulary as the full merge reads them.
 */
const mergeFirstSync = (canonical: Canonical, v: Voter): MergeResult => {
  const out: Canonical = { ...canonical };
  const holds = heldSetOf(v.conn);
  const editors = new Set<string>();
  const current = v.current;
  for (const f of SCALAR_FIELDS) {
    if (!holds.has(f)) continue;
    const cur = current[f] ?? null;
    if (cur === null) continue;
    out[f] = cur;
    editors.add(v.connectionId);
  }
  for (const f of SET_FIELDS) {
    if (!holds.has(f)) continue;
    const es = current[f];
    if (es === undefined || es.length === 0) continue; // no key: the set is left as it is
    const keys: string[] = [];
    addKeys(keys, es);
    const entries: SetEntry[] = [];
    for (const key of keys) {
      const src = findEntry(es, key);
      const label = readLabels(f, null, [{ v, base: undefined, cur: entryCell(src) }])[0]!.cur!;
      editors.add(v.connectionId);
      const e: SetEntry = { value: key, label: label === '' ? null : label };
      if (src?.raw !== undefined) e.raw = src.raw;
      entries.push(e);
    }
    out[f] = sortEntriesByValue(entries);
  }
  return { canonical: out, conflicts: [], held: NO_HELD, editors };
};

/** The merge of any voters against any canonical record (exported for the test of its fast path). */
export const mergeRecordInFull = (
  canonicalId: string,
  canonical: Canonical,
  voters: readonly Voter[],
  policy: ConflictPolicy,
): MergeResult => {
  const out: Canonical = { ...canonical };
  const conflicts: ConflictEntry[] = [];
  // A side whose current is its base (the caller saw equal hashes) moved no cell: the fast paths skip it.
  let anyMoving = false;
  for (const v of voters)
    if (v.base === null || v.current !== v.base) {
      anyMoving = true;
      break;
    }
  if (!anyMoving) {
    // No cell can move: the names did not change either, so no display name follows them.
    return { canonical: out, conflicts, held: NO_HELD, editors: NO_EDITORS };
  }
  const held: HeldCell[] = [];
  const editors = new Set<string>();
  // Per voter (same index): the fields its connection holds, and whether it moved.
  const n = voters.length;
  const holds: ReadonlySet<FieldKey>[] = new Array(n);
  const moving: boolean[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = voters[i]!;
    holds[i] = heldSetOf(v.conn);
    moving[i] = v.base === null || v.current !== v.base;
  }

  const record = (
    field: FieldKey,
    key: string | null,
    o: CellOutcome,
    all: Cell[],
    show: (v: string | null) => ConflictValue,
    canon: string | null,
  ) => {
    conflicts.push({
      kind: 'field',
      canonicalId,
      field,
      key,
      base: show(canon),
      sides: all.map((c) => ({
        connectionId: c.v.connectionId,
        externalId: c.v.externalId,
        value: show(c.cur),
        updatedAt: c.v.updatedAt,
      })),
      chosen: show(o.value),
      rule: o.rule,
      status: o.status,
    });
    if (o.status === 'open') held.push({ field, key, connectionIds: o.movers.map((m) => m.v.connectionId) });
  };

  for (const f of SCALAR_FIELDS) {
    // Fast path (the common case): every side still holds its base value, or agrees with the canonical one.
    let quiet = true;
    for (let i = 0; i < n; i++) {
      if (!moving[i] || !holds[i]!.has(f)) continue;
      const v = voters[i]!;
      const cur = v.current[f] ?? null;
      const settled = v.base && f in v.base ? cur === (v.base[f] ?? null) : cur === null || cur === canonical[f];
      if (!settled) {
        quiet = false;
        break;
      }
    }
    if (quiet) continue;
    const cells: Cell[] = [];
    for (let i = 0; i < n; i++) {
      if (!holds[i]!.has(f)) continue;
      const v = voters[i]!;
      const base = v.base && f in v.base ? (v.base[f] ?? null) : undefined;
      cells.push({ v, base, cur: v.current[f] ?? null });
    }
    if (cells.length === 0) continue;
    const canon = canonical[f];
    const o = mergeCell(canon, cells, f, policy, editors);
    if (!o) continue;
    out[f] = o.value;
    if (o.candidates) record(f, null, o, cells, showScalar, canon);
  }

  for (const f of SET_FIELDS) {
    // Fast path: every side has a base for the set, no marker, and holds exactly its base.
    let quiet = true;
    for (let i = 0; i < n; i++) {
      if (!moving[i] || !holds[i]!.has(f)) continue;
      const v = voters[i]!;
      const b = v.base?.[f];
      if (b === undefined || !quietSet(b, v.current[f])) {
        quiet = false;
        break;
      }
    }
    if (quiet) continue;
    const holders: Voter[] = [];
    for (let i = 0; i < n; i++) if (holds[i]!.has(f)) holders.push(voters[i]!);
    const keys: string[] = [];
    const canonEntries = canonical[f];
    addKeys(keys, canonEntries);
    for (const v of holders) {
      addKeys(keys, v.current[f]);
      addKeys(keys, v.base?.[f]);
    }
    const entries: SetEntry[] = [];
    let touched = false;
    for (const key of keys) {
      const canonEntry = findEntry(canonEntries, key);
      const canon = entryCell(canonEntry);
      const raw: Cell[] = new Array(holders.length);
      for (let i = 0; i < holders.length; i++) {
        const v = holders[i]!;
        const vb = v.base;
        raw[i] = {
          v,
          base: vb && vb[f] !== undefined ? baseCell(findEntry(vb[f], key)) : undefined,
          cur: entryCell(findEntry(v.current[f], key)),
        };
      }
      const cells = readLabels(f, canon, raw);
      const o = mergeCell(canon, cells, f, policy, editors);
      if (!o) {
        if (canonEntry) entries.push(canonEntry);
        continue;
      }
      touched = true;
      if (o.value !== null) {
        const src = o.from ? findEntry(o.from.v.current[f], key) : canonEntry;
        const e: SetEntry = { value: key, label: o.value === '' ? null : o.value };
        if (src?.raw !== undefined) e.raw = src.raw;
        entries.push(e);
      }
      if (o.candidates) record(f, key, o, cells, showEntry(key), canon);
    }
    if (touched) out[f as SetField] = sortEntriesByValue(entries);
  }

  const merged = out.displayName;
  followNames(canonical, out);
  if (out.displayName !== merged) settleFollowedDisplayName(out.displayName, conflicts, held);
  return { canonical: out, conflicts, held, editors };
};

/**
 * A display name held for review that then followed the names: the conflict chose the new value.
 * When every side it held proposed that very value, there is nothing left to review (held, the
 * sides would keep no agreed display name, and the next sync would find them agreeing).
 */
const settleFollowedDisplayName = (value: string | null, conflicts: ConflictEntry[], held: HeldCell[]): void => {
  const i = conflicts.findIndex((c) => c.kind === 'field' && c.field === 'displayName' && c.status === 'open');
  if (i < 0) return;
  const c = conflicts[i]!;
  const h = held.findIndex((x) => x.field === 'displayName' && x.key === null);
  const movers = h < 0 ? [] : held[h]!.connectionIds;
  if (movers.every((id) => c.sides.find((s) => s.connectionId === id)?.value === value)) {
    conflicts.splice(i, 1);
    if (h >= 0) held.splice(h, 1);
  } else conflicts[i] = { ...c, chosen: value };
};

/**
 * A display name that was just the person's names put together follows them when they change
 * and no side changed the display name itself: a family name edited in ChurchPad must reach
 * NodePing, which holds only a display name, even when the display name came from R-Service.
 */
export const followNames = (before: Canonical, after: Canonical): void => {
  if (after.displayName !== before.displayName || before.displayName === null) return;
  if (
    after.givenName === before.givenName &&
    after.middleName === before.middleName &&
    after.familyName === before.familyName
  )
    return;
  for (const compose of DISPLAY_PATTERNS) {
    if (compose(before) !== before.displayName) continue;
    const next = compose(after);
    if (next) after.displayName = next;
    return;
  }
};

/**
 * `[a, b, c].filter((p) => p !== null && p !== '').join(' ')`, null when that is empty, without the
 * arrays (this runs on every name edit). A missing field (undefined) is kept as an empty part, as join does.
 */
const join = (a: string | null, b: string | null, c: string | null): string | null => {
  const s = withPart(withPart(withPart(null, a), b), c);
  return s === null || s === '' ? null : s;
};
const withPart = (s: string | null, p: string | null): string | null =>
  p === null || p === '' ? s : s === null ? `${p ?? ''}` : `${s} ${p ?? ''}`;
/** How display names are made of names: western with or without the middle name, family first, CJK. */
const DISPLAY_PATTERNS: ((c: Canonical) => string | null)[] = [
  (c) => join(c.givenName, c.familyName, null),
  (c) => join(c.givenName, c.middleName, c.familyName),
  (c) => join(c.familyName, c.givenName, null),
  (c) => (c.familyName && c.givenName ? `${c.familyName}${c.givenName}` : null),
];
