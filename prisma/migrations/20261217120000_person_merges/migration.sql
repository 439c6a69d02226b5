-- An admin's merge of two people, kept so that a split can restore both.
CREATE TABLE "person_merges" (
    "id" UUID NOT NULL,
    "intoId" UUID NOT NULL,
    "fromId" UUID NOT NULL,
    "intoBefore" JSONB NOT NULL,
    "fromBefore" JSONB NOT NULL,
    "merged" JSONB NOT NULL,
    "links" JSONB NOT NULL,
    "duplicates" JSONB NOT NULL,
    "dropped" JSONB NOT NULL,
    "by" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "splitAt" TIMESTAMP(3),

    CONSTRAINT "person_merges_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "person_merges_intoId_idx" ON "person_merges"("intoId");
