-- CreateTable
CREATE TABLE "run_op_counts" (
    "runId" UUID NOT NULL,
    "shard" INTEGER NOT NULL,
    "opsApplied" INTEGER NOT NULL DEFAULT 0,
    "opsFailed" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "run_op_counts_pkey" PRIMARY KEY ("runId","shard")
);
