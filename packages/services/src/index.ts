export { createDatabase, dropDatabase } from './databases.ts';

export { findOnPath } from './find-binaries.ts';

export { applyMigrations } from './migrations.ts';
export { provideServices } from './provide-services.ts';
