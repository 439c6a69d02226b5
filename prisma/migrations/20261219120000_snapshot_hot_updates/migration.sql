-- A pull marks every record it lists as seen ("lastSeenRunId", "lastSeenAt"). With no index on
-- those columns and room left in each page, an unchanged record's row is updated in place (a HOT
-- update: no index entry written), which is what most rows of a resync are. The vanish queries
-- read a connection's rows whole (IS DISTINCT FROM), so the index never served them.
DROP INDEX "snapshot_records_connectionId_lastSeenRunId_idx";

-- Not expressible in schema.prisma (see its SnapshotRecord comment); new pages keep 25% free.
ALTER TABLE "snapshot_records" SET (fillfactor = 75);
