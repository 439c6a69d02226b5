import type { Canonical, FieldKey, Projection, SetField } from './canonical.ts';

/** A canonical value a provider cannot hold, reported instead of silently dropped. */
export interface Omission {
  field: FieldKey;
  /** The canonical value (or set entry value) that was left out. */
  value: string | null;
  reason: string;
  /**
   * The value is one the engine will not write (invalid by this provider's rules today), not one
   * the provider has no room or type for: a record that already holds it keeps it, rather than
   * the engine deleting what the provider itself once accepted.
   */
  keep?: boolean;
}

/**
 * What a connector declares about its provider. The core asks this descriptor, never
 * the provider's name. `project` is pure: it answers what this provider would store
 * for a canonical record (limits, label rules, cardinality), in normalized form, so that
 * the projection pulled back after a write equals it (echo suppression).
 */
export interface CapabilityDescriptor {
  /** The provider's key in the connectors' registry; the core never branches on it. */
  provider: string;
  /** Fields the provider holds and the engine may write. */
  fields: readonly FieldKey[];
  /** Fields the provider exposes but the engine never writes (e.g. an ilert user's name). */
  readOnlyFields: readonly FieldKey[];
  /** Fields that must be non-empty for a create to be accepted. */
  requiredForCreate: readonly FieldKey[];
  canCreate: boolean;
  canDelete: boolean;
  /** Fields usable to find a record after a create whose outcome is unknown. */
  naturalKeys: readonly FieldKey[];
  /** Whether records carry a last-modified timestamp (for the "newest" conflict policy). */
  hasTimestamps: boolean;
  rateLimit: { max: number; durationMs: number };
  /**
   * The provider's documented request limits, all applying together (R-Service: an hour's and a
   * 2-second window): the default request budget of a connection, counted in HTTP requests.
   * Empty where the provider documents none (the budget then only follows its 429s and headers).
   */
  requestBudget?: readonly { max: number; durationMs: number }[];
  project(canonical: Canonical): { projection: Projection; omitted: Omission[] };
  /**
   * The label this provider holds for a set entry that carries the canonical label `label`
   * (what `project` does to labels). Absent: the provider holds labels as they are. A provider
   * with a smaller vocabulary (no labels at all, "sms"/"voice" only) declares it, so that its
   * label is read as agreeing with any canonical label it would render the same way.
   */
  labelFor?(field: SetField, label: string | null): string | null;
}
