-- AlterTable: the worker (its lease number) that claimed an op last, so a worker starting can
-- put back the in-flight ops of a worker that is gone.
ALTER TABLE "outbox_ops" ADD COLUMN "claimedBy" INTEGER;
