-- Updates the blast-radius guard held back: one set per reconcile batch and field, one row per op.
CREATE TABLE "held_change_sets" (
    "id" UUID NOT NULL,
    "field" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'held',
    "runId" UUID,
    "summary" JSONB NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "held_change_sets_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "held_changes" (
    "id" UUID NOT NULL,
    "setId" UUID NOT NULL,
    "opId" UUID NOT NULL,
    "canonicalId" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT,
    "field" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,

    CONSTRAINT "held_changes_pkey" PRIMARY KEY ("id")
);

-- A plan: what a pull + reconcile would write, stored with a hash of the snapshots it read.
CREATE TABLE "plans" (
    "id" UUID NOT NULL,
    "snapshotHash" TEXT NOT NULL,
    "connectionIds" TEXT[],
    "full" BOOLEAN NOT NULL DEFAULT false,
    "body" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'planned',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "plans_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "held_change_sets_status_idx" ON "held_change_sets"("status");

CREATE INDEX "held_changes_setId_idx" ON "held_changes"("setId");

CREATE INDEX "held_changes_opId_idx" ON "held_changes"("opId");

CREATE INDEX "held_changes_canonicalId_connectionId_idx" ON "held_changes"("canonicalId", "connectionId");
