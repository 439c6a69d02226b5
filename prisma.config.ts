import { defineConfig } from 'prisma/config';

// Prisma 7 keeps the connection URL out of schema.prisma. Only the CLI reads this file;
// the runtime client gets its URL through @prisma/adapter-pg.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/contact_sync' },
});
