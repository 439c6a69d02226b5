import { FAULT_PROFILES } from '@contact-sync/simulators/shared/faults';
import { type Command, intFlag, stringFlag, UsageError } from '../cli.ts';

// The simulators' defaults (DEFAULT_CONTACTS, DEFAULT_SEED), repeated here so `--help` and
// usage errors do not load the simulators; a unit test keeps them equal.
export const DEFAULT_CONTACTS = 2000;
export const DEFAULT_SEED = 42;

export interface DemoOptions {
  contacts: number;
  seed: number;
  faults: string;
  exit: boolean;
  json: boolean;
  port: number;
  timeoutMs: number;
}

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'Run contact-sync end to end on this machine: a full sync of five seeded simulators, then a no-op resync.\n\n' +
    'Postgres and Redis come from DATABASE_URL/REDIS_URL, else Docker, else local servers it starts; then the\n' +
    'five provider simulators with overlapping messy data, the worker and the admin server; a full sync of all\n' +
    'five connections, then a second full resync that must write nothing, and a summary.',
  options: {
    contacts: {
      type: 'string',
      value: 'N',
      description: 'people in the seeded data',
      default: String(DEFAULT_CONTACTS),
    },
    seed: { type: 'string', value: 'S', description: 'seed of the generated data', default: String(DEFAULT_SEED) },
    faults: {
      type: 'string',
      value: 'PROFILE',
      description: `inject provider failures: ${Object.keys(FAULT_PROFILES).join(', ')}`,
      default: 'none',
    },
    exit: { type: 'boolean', description: 'exit after the summary instead of serving the admin page' },
    json: { type: 'boolean', description: 'print the summary as one JSON object on the last line of stdout' },
    port: { type: 'string', value: 'P', description: 'admin server port (another is used if taken)', default: '8787' },
    timeout: {
      type: 'string',
      value: 'SECONDS',
      description: 'give up on a sync after this long',
      default: '600 (1800 with --faults)',
    },
  },
  details:
    'Progress goes to stderr. Without --exit the admin page is served until Ctrl-C; everything the demo\n' +
    'started (worker, admin server, simulators, database servers) is stopped on the way out.\n' +
    'Exit code 1 when the sync did not converge (or the second resync wrote anything).',
  run: async ({ values, io }) => {
    const faults = stringFlag(values, 'faults') ?? 'none';
    if (!(faults in FAULT_PROFILES))
      throw new UsageError(`--faults must be one of ${Object.keys(FAULT_PROFILES).join(', ')}, got "${faults}"`);
    const opts: DemoOptions = {
      contacts: intFlag(values, 'contacts', { min: 1, max: 200_000, default: DEFAULT_CONTACTS })!,
      seed: intFlag(values, 'seed', { min: 0, default: DEFAULT_SEED })!,
      faults,
      exit: values.exit === true,
      json: values.json === true,
      port: intFlag(values, 'port', { min: 0, max: 65535, default: 8787 })!,
      timeoutMs: intFlag(values, 'timeout', { min: 1, default: faults === 'none' ? 600 : 1800 })! * 1000,
    };
    const { runDemo } = await import('./demo-run.ts');
    return runDemo(opts, io);
  },
};
