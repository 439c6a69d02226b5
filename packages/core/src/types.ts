import type { Canonical, FieldKey, Projection } from './canonical.ts';
import type { CapabilityDescriptor } from './capabilities.ts';
import type { ConflictEntry } from './conflicts.ts';
import type { ConflictPolicy } from './policies.ts';

export type Direction = 'pull' | 'push' | 'both';
/** Whether people new to this connection are created there (only if the provider can create). */
export type CreatePolicy = 'create' | 'skip';
/** What a delete seen on this connection does to the others. */
export type DeletePolicy = 'propagate' | 'unlink' | 'ignore';

export interface ConnectionPolicy {
  id: string;
  capabilities: CapabilityDescriptor;
  direction: Direction;
  createPolicy: CreatePolicy;
  deletePolicy: DeletePolicy;
}

export interface ReconcileContext {
  connections: readonly ConnectionPolicy[];
  /** One policy for all field conflicts (a per-field priority list covers per-connection wishes). */
  conflictPolicy: ConflictPolicy;
  /** Injected clock (ISO); reserved for report timestamps, never read from the system. */
  now: string;
}

/** One linked provider record of a canonical person. */
export interface SideState {
  connectionId: string;
  externalId: string;
  /** The projection last agreed with this provider; null = never agreed or base lost (first-sync rules). */
  base: Projection | null;
  /** The provider's current projection; null = deleted on that side. */
  current: Projection | null;
  updatedAt: string | null;
  /** The mass-delete guard holds this side's delete: nothing happens to it or because of it. */
  deleteHeld?: boolean;
}

export interface ReconcileInput {
  canonicalId: string;
  canonical: Canonical | null;
  sides: readonly SideState[];
  /** Connections this person was detached from (unlink policy or admin): never re-created there. */
  detached?: readonly string[];
}

export type OpKind = 'create' | 'update' | 'delete';

export interface PlannedOp {
  connectionId: string;
  canonicalId: string;
  kind: OpKind;
  /** null for create. */
  externalId: string | null;
  /** What the provider must hold: `project(canonical)` restricted to writable fields, normalized. null for delete. */
  target: Projection | null;
  /** Fields the write changes (update: only those; create: every target field). */
  changed: FieldKey[];
  /** The link base to store once the op succeeds (= target plus read-only fields, minus fields held for review). */
  baseAfter: Projection | null;
  idempotencyKey: string;
}

export type LinkChange =
  /** No op for this side: store `base` as the new agreed projection. */
  | { kind: 'set-base'; connectionId: string; externalId: string; base: Projection }
  /** Drop the link (the record is gone there, or is being replaced by a re-create). */
  | { kind: 'unlink'; connectionId: string; externalId: string }
  /** Drop the link and remember never to re-create this person in that connection. */
  | { kind: 'detach'; connectionId: string; externalId: string };

type ReportKind =
  | 'create-skipped'
  | 'omitted'
  | 'required-kept'
  | 'delete-held'
  | 'delete-propagated'
  | 'delete-unlinked'
  | 'delete-ignored'
  | 'delete-not-propagated'
  | 'recreated'
  | 'unknown-connection'
  | 'admin-merge';

export interface ReportEntry {
  kind: ReportKind;
  canonicalId: string;
  connectionId: string | null;
  externalId: string | null;
  field: FieldKey | null;
  value: string | null;
  message: string;
}

export interface ReconcileResult {
  /** null = the person is deleted everywhere. */
  canonical: Canonical | null;
  ops: PlannedOp[];
  links: LinkChange[];
  conflicts: ConflictEntry[];
  report: ReportEntry[];
}
