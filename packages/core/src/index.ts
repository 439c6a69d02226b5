export * from './canonical.ts';
export * from './capabilities.ts';
export * from './conflicts.ts';
export { explainFields, type FieldGap } from './explain.ts';
export { contentHash, sha256 } from './hash.ts';
export {
  type LedgerCause,
  type LedgerValue,
  ledgerEntries,
} from './ledger.ts';
export { matchKeys } from './match.ts';
export { type BatchPerson, matchBatch } from './match-batch.ts';

export {
  canonicalEquals,
  normalizeEmail,
  normalizePhone,
  normalizeProjection,
  normalizeSetEntries,
} from './normalize.ts';
export {
  droppedValues,
  type MergeProposal,
  personOfRecords,
  proposeMerge,
  restoreAfterSplit,
} from './person-merge.ts';
export { resolvePhonesAgainst } from './phone-context.ts';
export { expectedProjection } from './plan.ts';
export { massDeleteGuard } from './policies.ts';
export { reconcileRecord } from './reconcile.ts';
export { applyResolution, type Resolution } from './resolve.ts';
export * from './types.ts';
export { cellId, planUndo, type RunCellChange, runCells } from './undo.ts';
export {
  DEFAULT_UPDATE_GUARD,
  guardKey,
  type TrippedField,
  trippedFields,
} from './update-guard.ts';
