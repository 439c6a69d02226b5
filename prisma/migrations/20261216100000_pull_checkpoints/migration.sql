-- AlterTable: a pull's checkpoint. The job it runs for (a retry or a restarted job resumes the same
-- run), where its list read is (the provider's cursor after the last page ingested), the total the
-- provider gave on its first page, the pages ingested, and whether the list shifted under it.
ALTER TABLE "sync_runs" ADD COLUMN "jobId" TEXT,
ADD COLUMN "listCursor" TEXT,
ADD COLUMN "listTotal" INTEGER,
ADD COLUMN "listPages" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "listShifted" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "sync_runs_connectionId_jobId_idx" ON "sync_runs"("connectionId", "jobId");
