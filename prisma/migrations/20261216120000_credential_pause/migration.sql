-- AlterTable: a connection paused for a rejected credential stays paused across a worker restart
-- and a Redis flush, until a probe succeeds or `contact-sync connections resume`.
ALTER TABLE "connections" ADD COLUMN "credentialPausedStatus" INTEGER,
ADD COLUMN "credentialPausedAt" TIMESTAMP(3);
