-- AlterTable: HTTP requests a pull spent from its connection's budget (its schedule's feasibility).
ALTER TABLE "sync_runs" ADD COLUMN "requests" INTEGER NOT NULL DEFAULT 0;
