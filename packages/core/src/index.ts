export * from './canonical.ts';
export * from './capabilities.ts';
export * from './conflicts.ts';
export { explainFields, type FieldGap, type GapReason, type RecordSignals } from './explain.ts';
export { contentHash, normalizedContentHash, sha256, stableProjectionJson } from './hash.ts';
export {
  diffCanonical,
  type FieldChange,
  type LedgerCause,
  type LedgerEntry,
  type LedgerValue,
  ledgerEntries,
} from './ledger.ts';
export {
  type MatchCandidate,
  type MatchInput,
  type MatchKeys,
  type MatchResult,
  matchKeys,
  matchRecord,
  mayBeSamePerson,
} from './match.ts';
export { type BatchMatch, type BatchPerson, byEmailGroups, byRecordId, matchBatch } from './match-batch.ts';
export { type HeldCell, type MergeResult, mergeRecord, NO_BASE_LABEL, type Voter } from './merge.ts';
export {
  canonicalEquals,
  fieldEqual,
  type NormalizedPhone,
  normalizeEmail,
  normalizeLabel,
  normalizeName,
  normalizePhone,
  normalizeProjection,
  normalizeScalar,
  normalizeSetEntries,
  normalizeUrl,
  projectionsEqual,
} from './normalize.ts';
export {
  type DroppedValue,
  droppedValues,
  type MergeField,
  type MergeProposal,
  personOfRecords,
  proposeMerge,
  restoreAfterSplit,
} from './person-merge.ts';
export { resolveNationalPhones, resolvePhonesAgainst } from './phone-context.ts';
export { expectedProjection, idempotencyKey, sameProjection } from './plan.ts';
export {
  type Candidate,
  type Choice,
  type ConflictPolicy,
  chooseByPolicy,
  type MassDeleteGuardInput,
  massDeleteGuard,
} from './policies.ts';
export { reconcileRecord } from './reconcile.ts';
export { applyResolution, planCanonicalMerge, type Resolution, unionCanonical } from './resolve.ts';
export * from './types.ts';
export { cellId, planUndo, type RunCellChange, runCells, type UndoConflict, type UndoPlan } from './undo.ts';
export {
  DEFAULT_UPDATE_GUARD,
  type GuardedUpdate,
  guardKey,
  type TrippedField,
  trippedFields,
  type UpdateGuardInput,
  type UpdateGuardLimits,
  updateGuard,
} from './update-guard.ts';
