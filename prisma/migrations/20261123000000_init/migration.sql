-- Sequence that orders snapshot changes, so the reconciler reads only rows changed since its cursor.
CREATE SEQUENCE "snapshot_change_seq";

-- CreateTable
CREATE TABLE "connections" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "credentialEnv" TEXT NOT NULL,
    "configHash" TEXT NOT NULL,
    "lastPullAt" TIMESTAMP(3),
    "lastFullPullAt" TIMESTAMP(3),
    "lastPullRunId" TEXT,
    "lastError" TEXT,
    "recordCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "connectionId" TEXT,
    "full" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'running',
    "pulled" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "gone" INTEGER NOT NULL DEFAULT 0,
    "quarantined" INTEGER NOT NULL DEFAULT 0,
    "opsPlanned" INTEGER NOT NULL DEFAULT 0,
    "opsApplied" INTEGER NOT NULL DEFAULT 0,
    "opsFailed" INTEGER NOT NULL DEFAULT 0,
    "conflicts" INTEGER NOT NULL DEFAULT 0,
    "expectedPulls" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "parentRunId" UUID,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "snapshot_records" (
    "id" BIGSERIAL NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "raw" JSONB NOT NULL,
    "projection" JSONB NOT NULL,
    "extras" JSONB NOT NULL DEFAULT '{}',
    "contentHash" TEXT NOT NULL,
    "remoteUpdatedAt" TIMESTAMP(3),
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenRunId" UUID,
    "goneAt" TIMESTAMP(3),
    "changeSeq" BIGINT NOT NULL,

    CONSTRAINT "snapshot_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quarantined_records" (
    "id" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT,
    "runId" UUID,
    "raw" JSONB NOT NULL,
    "error" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "quarantined_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "canonical_contacts" (
    "id" UUID NOT NULL,
    "data" JSONB NOT NULL,
    "contentHash" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "mergedIntoId" UUID,
    "recheck" BOOLEAN NOT NULL DEFAULT false,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "canonical_contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "canonical_keys" (
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "canonicalId" UUID NOT NULL,

    CONSTRAINT "canonical_keys_pkey" PRIMARY KEY ("kind","value","canonicalId")
);

-- CreateTable
CREATE TABLE "links" (
    "id" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "canonicalId" UUID NOT NULL,
    "base" JSONB,
    "baseHash" TEXT,
    "extras" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conflicts" (
    "id" UUID NOT NULL,
    "dedupeKey" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "canonicalId" UUID,
    "connectionId" TEXT,
    "field" TEXT,
    "base" JSONB,
    "sides" JSONB NOT NULL DEFAULT '[]',
    "chosen" JSONB,
    "rule" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "resolution" JSONB,
    "runId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "conflicts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_ops" (
    "id" UUID NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "canonicalId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "externalId" TEXT,
    "target" JSONB,
    "baseAfter" JSONB,
    "changed" TEXT[],
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "runId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),

    CONSTRAINT "outbox_ops_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "held_deletes" (
    "id" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "runId" UUID,
    "status" TEXT NOT NULL DEFAULT 'held',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMP(3),

    CONSTRAINT "held_deletes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconcile_cursors" (
    "id" TEXT NOT NULL,
    "lastSeq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "reconcile_cursors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "detachments" (
    "canonicalId" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "detachments_pkey" PRIMARY KEY ("canonicalId","connectionId")
);

-- CreateIndex
CREATE INDEX "sync_runs_status_idx" ON "sync_runs"("status");

-- CreateIndex
CREATE INDEX "sync_runs_startedAt_idx" ON "sync_runs"("startedAt");

-- CreateIndex
CREATE INDEX "snapshot_records_changeSeq_idx" ON "snapshot_records"("changeSeq");

-- CreateIndex
CREATE INDEX "snapshot_records_connectionId_lastSeenRunId_idx" ON "snapshot_records"("connectionId", "lastSeenRunId");

-- CreateIndex
CREATE UNIQUE INDEX "snapshot_records_connectionId_externalId_key" ON "snapshot_records"("connectionId", "externalId");

-- CreateIndex
CREATE INDEX "quarantined_records_connectionId_createdAt_idx" ON "quarantined_records"("connectionId", "createdAt");

-- CreateIndex
CREATE INDEX "canonical_contacts_recheck_idx" ON "canonical_contacts"("recheck");

-- CreateIndex
CREATE INDEX "canonical_keys_canonicalId_idx" ON "canonical_keys"("canonicalId");

-- CreateIndex
CREATE INDEX "links_canonicalId_idx" ON "links"("canonicalId");

-- CreateIndex
CREATE UNIQUE INDEX "links_connectionId_externalId_key" ON "links"("connectionId", "externalId");

-- CreateIndex
CREATE UNIQUE INDEX "links_connectionId_canonicalId_key" ON "links"("connectionId", "canonicalId");

-- CreateIndex
CREATE UNIQUE INDEX "conflicts_dedupeKey_key" ON "conflicts"("dedupeKey");

-- CreateIndex
CREATE INDEX "conflicts_status_kind_idx" ON "conflicts"("status", "kind");

-- CreateIndex
CREATE INDEX "conflicts_canonicalId_idx" ON "conflicts"("canonicalId");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_ops_idempotencyKey_key" ON "outbox_ops"("idempotencyKey");

-- CreateIndex
CREATE INDEX "outbox_ops_status_connectionId_idx" ON "outbox_ops"("status", "connectionId");

-- CreateIndex
CREATE INDEX "outbox_ops_canonicalId_idx" ON "outbox_ops"("canonicalId");

-- CreateIndex
CREATE INDEX "outbox_ops_runId_idx" ON "outbox_ops"("runId");

-- CreateIndex
CREATE INDEX "held_deletes_status_idx" ON "held_deletes"("status");

-- CreateIndex
CREATE UNIQUE INDEX "held_deletes_connectionId_externalId_status_key" ON "held_deletes"("connectionId", "externalId", "status");

-- AddForeignKey
ALTER TABLE "canonical_keys" ADD CONSTRAINT "canonical_keys_canonicalId_fkey" FOREIGN KEY ("canonicalId") REFERENCES "canonical_contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "links" ADD CONSTRAINT "links_canonicalId_fkey" FOREIGN KEY ("canonicalId") REFERENCES "canonical_contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
