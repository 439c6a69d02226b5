export {
  DEFAULT_CONTACTS,
  DEFAULT_SEED,
  printSandboxInfo,
  type Sandbox,
  startSandbox,
} from './sandbox.ts';
export type { SeedPerson, SeedRecord } from './seed/people.ts';

export { FAULT_PROFILES } from './shared/faults.ts';

export type {
  FaultConfig,
  ProviderKey,
  RequestLogEntry,
  SandboxOptions,
} from './types.ts';
export { PROVIDER_KEYS } from './types.ts';
