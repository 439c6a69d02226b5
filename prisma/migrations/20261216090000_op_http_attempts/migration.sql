-- AlterTable: the HTTP requests an op made over all its attempts, and how many of them failed
-- (5xx, 429, timeout, network): the op fails once the failures reach push.maxHttpAttempts.
ALTER TABLE "outbox_ops" ADD COLUMN "httpAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "httpFailures" INTEGER NOT NULL DEFAULT 0;
