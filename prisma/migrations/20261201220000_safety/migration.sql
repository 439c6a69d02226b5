-- A record that stopped validating keeps its last good snapshot; this marks it until it validates again.
ALTER TABLE "snapshot_records" ADD COLUMN "quarantinedAt" TIMESTAMP(3);

-- Why a held delete was closed without an admin (its record came back in a later pull).
ALTER TABLE "held_deletes" ADD COLUMN "note" TEXT;
