-- When a pending op may be claimed again: a transient failure puts it back with its own backoff.
ALTER TABLE "outbox_ops" ADD COLUMN "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- The batch claim: a connection's ready ops, earliest first.
CREATE INDEX "outbox_ops_connectionId_status_nextAttemptAt_idx" ON "outbox_ops"("connectionId", "status", "nextAttemptAt");
