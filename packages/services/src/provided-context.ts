// What the global setup hands to every integration test through vitest's provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the maintenance database: for CREATE/DROP DATABASE. */
    adminDatabaseUrl: string;
    /** A migrated database shared by the whole run (prefer createTestDatabase() for isolation). */
    databaseUrl: string;
    /** Name of the migrated template that createTestDatabase() copies. */
    templateDatabase: string;
    redisUrl: string;
    /** Where the servers came from: env, docker or local. */
    servicesSource: string;
  }
}

export {};
