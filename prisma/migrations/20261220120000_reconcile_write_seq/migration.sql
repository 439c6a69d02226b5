-- Numbers the transactions that change what a reconcile batch reads of its people (canonical
-- records, keys, links, detachments, ops, revisit flags): admin decisions and reconcile batches
-- that write take a number. A batch read ahead while the one before it ran is used only if no
-- number was taken since it was read (see packages/store/src/reconcile-lock.ts).
CREATE SEQUENCE "reconcile_write_seq";
