export type { ChurchpadContact } from './churchpad/schema.ts';
export type { GrowContact } from './growcrm/schema.ts';
export type { IlertEmail, IlertPhone, IlertUser } from './ilert/schema.ts';
export type { NodepingContact } from './nodeping/schema.ts';
export type { RServiceContact, RServicePerson } from './r-service/schema.ts';
export {
  DEFAULT_CONTACTS,
  DEFAULT_SEED,
  printSandboxInfo,
  type Sandbox,
  type SimApis,
  startSandbox,
} from './sandbox.ts';
export { generatePeople, type SeedEntry, type SeedPerson, type SeedRecord } from './seed/people.ts';
export type { PendingScenarios, SandboxScenarios, SharedLandline } from './server/scenarios.ts';
export { FAULT_PROFILES } from './shared/faults.ts';
export { REALISTIC_RATE_LIMITS } from './shared/rate-limit.ts';
export type {
  FaultConfig,
  ProviderEndpoint,
  ProviderKey,
  RateLimitConfig,
  RateLimitSpec,
  RequestLogEntry,
  SandboxOptions,
} from './types.ts';
export { PROVIDER_KEYS } from './types.ts';
