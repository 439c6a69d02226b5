import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../databases.ts';
import { applyMigrations } from '../migrations.ts';
import type {} from '../provided-context.ts';
import { DEFAULT_SCHEMA_PATH, expectedSchema } from './expected-schema.ts';
import { introspectSchema } from './introspect-schema.ts';
import { diffSchemas } from './schema-model.ts';

const admin = inject('adminDatabaseUrl');
const created: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'cs-drift-'));
afterAll(async () => {
  for (const name of created) await dropDatabase(admin, name);
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh, empty database with `migrationsDir` applied, introspected. */
async function migratedShape(migrationsDir?: string) {
  const name = `cs_drift_${randomBytes(4).toString('hex')}`;
  created.push(name);
  const url = await createDatabase(admin, name);
  await applyMigrations(url, migrationsDir ? { migrationsDir } : {});
  return introspectSchema(url);
}

function migrationsDir(sql: string): string {
  const dir = join(scratch, randomBytes(4).toString('hex'));
  mkdirSync(join(dir, '20260101000000_init'), { recursive: true });
  writeFileSync(join(dir, '20260101000000_init', 'migration.sql'), sql);
  return dir;
}

describe('prisma/migrations vs prisma/schema.prisma', () => {
  const schemaText = readFileSync(DEFAULT_SCHEMA_PATH, 'utf8');

  it('applying every migration to an empty database yields exactly what schema.prisma describes', async () => {
    const actual = await migratedShape();
    expect(Object.keys(actual.tables).length).toBeGreaterThan(0);
    expect(diffSchemas(expectedSchema(schemaText), actual)).toEqual([]);
  });

  it('fails when a column is added to schema.prisma without a migration', async () => {
    // The first model of the real schema gains a column that no migration creates.
    const edited = schemaText.replace(/^(model \w+ \{\n)/m, '$1  driftProbe String?\n');
    expect(edited).not.toBe(schemaText);
    const actual = await migratedShape();
    const before = diffSchemas(expectedSchema(schemaText), actual);
    const added = diffSchemas(expectedSchema(edited), actual).filter((line) => !before.includes(line));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^column \w+\.driftProbe: in schema.prisma \(text\) but not in the migrated database$/);
  });
});

// A scratch schema exercising the mapping rules, with the SQL `prisma migrate dev` writes for it.
const SCRATCH_SCHEMA = `
datasource db {
  provider = "postgresql"
}

enum Role {
  ADMIN  @map("admin")
  MEMBER

  @@map("roles")
}

model Team {
  id        BigInt   @id @default(autoincrement())
  name      String   @unique @db.VarChar(80)
  role      Role     @default(MEMBER)
  tags      String[] @default([])
  settings  Json     @default("{}")
  score     Float    @default(1.5)
  active    Boolean  @default(true)
  ref       String   @default(uuid()) @db.Uuid
  createdAt DateTime @default(now()) @map("created_at") @db.Timestamptz(6)
  seenAt    DateTime?
  members   Member[]

  @@index([createdAt(sort: Desc)])
  @@map("teams")
}

model Member {
  teamId BigInt
  email  String
  nick   String?
  team   Team    @relation(fields: [teamId], references: [id], onDelete: Cascade)

  @@id([teamId, email])
  @@unique([email, nick], map: "member_email_nick")
}
`;

const SCRATCH_SQL = `-- CreateEnum
CREATE TYPE "roles" AS ENUM ('admin', 'MEMBER');

-- CreateTable
CREATE TABLE "teams" (
    "id" BIGSERIAL NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "role" "roles" NOT NULL DEFAULT 'MEMBER',
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "settings" JSONB NOT NULL DEFAULT '{}',
    "score" DOUBLE PRECISION NOT NULL DEFAULT 1.5,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "ref" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "seenAt" TIMESTAMP(3),

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Member" (
    "teamId" BIGINT NOT NULL,
    "email" TEXT NOT NULL,
    "nick" TEXT,

    CONSTRAINT "Member_pkey" PRIMARY KEY ("teamId","email")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE INDEX "teams_created_at_idx" ON "teams"("created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "member_email_nick" ON "Member"("email", "nick");

-- AddForeignKey
ALTER TABLE "Member" ADD CONSTRAINT "Member_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
`;

describe('the drift check on a scratch schema', () => {
  it('maps enums, @map/@@map, native types, lists, defaults, composite keys, sorted indexes and relations as Prisma does', async () => {
    const actual = await migratedShape(migrationsDir(SCRATCH_SQL));
    expect(diffSchemas(expectedSchema(SCRATCH_SCHEMA), actual)).toEqual([]);
  });

  it('reports each kind of drift in the SQL', async () => {
    const drifted = SCRATCH_SQL.replace('"nick" TEXT,', '"nick" TEXT NOT NULL,')
      .replace('("created_at" DESC)', '("created_at")')
      .replace("DEFAULT 'MEMBER'", "DEFAULT 'admin'")
      .replace('ON DELETE CASCADE', 'ON DELETE RESTRICT')
      .replace('"name" VARCHAR(80)', '"name" VARCHAR(100)');
    const diff = diffSchemas(expectedSchema(SCRATCH_SCHEMA), await migratedShape(migrationsDir(drifted)));
    expect(diff).toEqual([
      'column teams.name: schema.prisma says character varying(80) NOT NULL, migrations give character varying(100) NOT NULL',
      'column teams.role: schema.prisma says roles NOT NULL DEFAULT MEMBER, migrations give roles NOT NULL DEFAULT admin',
      'index teams.teams_created_at_idx: schema.prisma says (created_at DESC), migrations give (created_at)',
      'column Member.nick: schema.prisma says text, migrations give text NOT NULL',
      'foreign key Member.Member_teamId_fkey: schema.prisma says (teamId) -> teams(id) ON DELETE Cascade ON UPDATE Cascade, migrations give (teamId) -> teams(id) ON DELETE Restrict ON UPDATE Cascade',
    ]);
  });
});
