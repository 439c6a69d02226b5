-- The change ledger: one row per change of a canonical field or set entry, appended in the
-- same transaction as the change. Never updated; pruned by age.
CREATE TABLE "ledger_entries" (
    "id" BIGSERIAL NOT NULL,
    "canonicalId" UUID NOT NULL,
    "field" TEXT NOT NULL,
    "key" TEXT,
    "old" JSONB,
    "new" JSONB,
    "causeKind" TEXT NOT NULL,
    "cause" JSONB NOT NULL,
    "runId" UUID,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ledger_entries_canonicalId_id_idx" ON "ledger_entries"("canonicalId", "id");

-- CreateIndex
CREATE INDEX "ledger_entries_runId_idx" ON "ledger_entries"("runId");
