-- A hash of everything a page write stores in a snapshot row (raw, projection, extras,
-- remoteUpdatedAt, contentHash): a pull that lists a record exactly as stored marks it seen by id
-- and hash alone, without sending or rewriting its data (see packages/store/src/snapshots.ts).
-- NULL where no page wrote the row (a record the engine created, adopted at a full pull's end).
ALTER TABLE "snapshot_records" ADD COLUMN "rowHash" TEXT;
