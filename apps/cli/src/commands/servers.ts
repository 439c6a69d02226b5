import { FAULT_PROFILES } from '@contact-sync/simulators/shared/faults';
import type { Command } from '../cli.ts';
import { connectOptions, ENV_HELP } from '../context.ts';
import { DEFAULT_CONTACTS, DEFAULT_SEED } from './demo.ts';

const sandbox: Command = {
  name: 'sandbox',
  summary: 'Serve the five provider simulators on one loopback port, seeded; prints base URLs and credentials.',
  options: {
    port: { type: 'string', value: 'N', description: 'port (0: any free port)', default: '4010' },
    host: { type: 'string', value: 'HOST', description: 'address to listen on', default: '127.0.0.1' },
    seed: { type: 'string', value: 'S', description: 'seed of the generated data', default: String(DEFAULT_SEED) },
    contacts: {
      type: 'string',
      value: 'N',
      description: 'people in the seeded data',
      default: String(DEFAULT_CONTACTS),
    },
    faults: {
      type: 'string',
      value: 'PROFILE',
      description: `inject failures: ${Object.keys(FAULT_PROFILES).join(', ')} (change at runtime: POST /_control/faults)`,
      default: 'none',
    },
  },
  details: 'Runs until Ctrl-C (SIGINT) or SIGTERM. The same seed gives the same data.',
  run: async (input) => (await import('./servers-run.ts')).sandboxRun(input),
};

const worker: Command = {
  name: 'worker',
  summary: 'Run the sync daemon: scheduled pulls, reconcile, pushes. Graceful stop on SIGTERM/SIGINT.',
  options: {
    ...connectOptions,
    services: {
      type: 'string',
      value: 'auto',
      description: 'provide Postgres and Redis (env URLs, else Docker, else local servers) and migrate',
    },
    schedule: { type: 'string', value: 'on|off', description: 'run the pull schedulers', default: 'on' },
    'shutdown-timeout': {
      type: 'string',
      value: 'SECONDS',
      description: 'how long a graceful stop may take before exiting anyway',
      default: '30',
    },
  },
  details:
    'On SIGTERM/SIGINT it stops taking jobs, lets in-flight ones finish, and exits 0; a second signal exits at once.\n' +
    "Each connection's credential is read from its credentialEnv variable.\n" +
    ENV_HELP,
  run: async (input) => (await import('./servers-run.ts')).workerRun(input),
};

const admin: Command = {
  name: 'admin',
  summary: 'Serve the admin server: HTTP API, conflict review page, queue dashboard, health and metrics.',
  options: {
    port: { type: 'string', value: 'N', description: 'port', default: '8787' },
    host: { type: 'string', value: 'HOST', description: 'address to listen on', default: '127.0.0.1' },
    ...connectOptions,
  },
  details: `ADMIN_TOKEN (at least 16 characters) is the bearer token of every request but health checks.\n${ENV_HELP}`,
  run: async (input) => (await import('./servers-run.ts')).adminRun(input),
};

export const serverCommands: Command[] = [sandbox, worker, admin];
