-- CreateTable
CREATE TABLE "recheck_due" (
    "id" BIGSERIAL NOT NULL,
    "canonicalId" UUID NOT NULL,
    "runId" UUID,

    CONSTRAINT "recheck_due_pkey" PRIMARY KEY ("id")
);

-- People already waiting for a revisit are due once (a store migrated while a sync ran).
INSERT INTO "recheck_due" ("canonicalId") SELECT "id" FROM "canonical_contacts" WHERE "recheck";
