export { createDatabase, databaseUrlFor, dropDatabase } from './databases.ts';
export { dockerAvailable } from './docker-services.ts';
export { findOnPath, findPostgresBin } from './find-binaries.ts';
export { missingServerMessage } from './install-binaries.ts';
export {
  type ApplyResult,
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  type Migration,
  migrationChecksum,
  readMigrations,
} from './migrations.ts';
export {
  type ProvidedServices,
  type ProvideServicesOptions,
  provideServices,
  type ServiceSource,
} from './provide-services.ts';
export { expectedSchema, readExpectedSchema } from './schema-drift/expected-schema.ts';
export { introspectSchema } from './schema-drift/introspect-schema.ts';
export { diffSchemas, type SchemaShape } from './schema-drift/schema-model.ts';
