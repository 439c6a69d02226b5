import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createDatabase, dropDatabase } from './databases.ts';
import { applyMigrations } from './migrations.ts';
import { type ProvidedServices, provideServices } from './provide-services.ts';
import type {} from './provided-context.ts';

type Prepared = {
  services: ProvidedServices;
  adminDatabaseUrl: string;
  databaseUrl: string;
  templateDatabase: string;
  dropOnStop: string[];
};

type Shared = { ready: Promise<Prepared>; users: number };

// Every `<pkg>:integration` project runs this setup, in one process and possibly in separate
// module instances: share one set of servers through globalThis, stopped by the last teardown.
const key = Symbol.for('contact-sync.services.vitest-global-setup');
const globals = globalThis as Record<symbol, Shared | undefined>;

async function prepare(): Promise<Prepared> {
  const services = await provideServices();
  // On our own servers fixed names are fine; on a shared DATABASE_URL server, names per run.
  const suffix = services.sources.postgres === 'env' ? `_${randomBytes(4).toString('hex')}` : '';
  const templateDatabase = `cs_template${suffix}`;
  const sharedDatabase = `cs_shared${suffix}`;
  const admin = services.databaseUrl;
  try {
    await dropDatabase(admin, sharedDatabase);
    await dropDatabase(admin, templateDatabase);
    const templateUrl = await createDatabase(admin, templateDatabase);
    await applyMigrations(templateUrl);
    const databaseUrl = await createDatabase(admin, sharedDatabase, { template: templateDatabase });
    return {
      services,
      adminDatabaseUrl: admin,
      databaseUrl,
      templateDatabase,
      dropOnStop: services.sources.postgres === 'env' ? [sharedDatabase, templateDatabase] : [],
    };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = globals[key];
  if (!shared) {
    shared = { ready: prepare(), users: 0 };
    globals[key] = shared;
  }
  shared.users++;
  const ready = await shared.ready.catch((error: unknown) => {
    globals[key] = undefined;
    throw error;
  });
  project.provide('adminDatabaseUrl', ready.adminDatabaseUrl);
  project.provide('databaseUrl', ready.databaseUrl);
  project.provide('templateDatabase', ready.templateDatabase);
  project.provide('redisUrl', ready.services.redisUrl);
  project.provide('servicesSource', ready.services.source);
  return async () => {
    if (--shared.users > 0) return;
    globals[key] = undefined;
    for (const name of ready.dropOnStop) await dropDatabase(ready.adminDatabaseUrl, name).catch(() => {});
    await ready.services.stop();
  };
}
