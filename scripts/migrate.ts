// Applies prisma/migrations to DATABASE_URL with the project's own applier (no native Prisma
// engine needed) and records them in _prisma_migrations exactly as `prisma migrate deploy` does.
// Usage: DATABASE_URL=postgresql://... node scripts/migrate.ts   (or: npm run db:migrate)
import { applyMigrations } from '@contact-sync/services/migrations';

const databaseUrl = process.argv[2] ?? process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('usage: node scripts/migrate.ts [database-url]   (or set DATABASE_URL)\n');
  process.exit(2);
}

try {
  const result = await applyMigrations(databaseUrl, { log: (message) => process.stdout.write(`${message}\n`) });
  process.stdout.write(
    `${result.applied.length} migration(s) applied, ${result.alreadyApplied.length} already applied\n`,
  );
} catch (error) {
  process.stderr.write(`migrate failed: ${(error as Error).message}\n`);
  process.exit(1);
}
