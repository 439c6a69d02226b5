import Fastify from 'fastify';
import { createChurchpad } from './churchpad/index.ts';
import { createGrowcrm } from './growcrm/index.ts';
import { createIlert } from './ilert/index.ts';
import { createNodeping } from './nodeping/index.ts';
import { createRService } from './r-service/index.ts';
import { generatePeople, type SeedPerson } from './seed/people.ts';
import { registerControlRoutes } from './server/control-routes.ts';
import { installPipeline } from './server/pipeline.ts';
import type { ProviderContext, ProviderDefinition } from './server/provider.ts';
import { SandboxCore } from './server/sandbox-core.ts';
import { type SandboxScenarios, Scenarios } from './server/scenarios.ts';
import type {
  FaultConfig,
  ProviderEndpoint,
  ProviderKey,
  RateLimitSpec,
  RequestLogEntry,
  SandboxOptions,
} from './types.ts';
import { PROVIDER_KEYS } from './types.ts';

export const DEFAULT_SEED = 42;
export const DEFAULT_CONTACTS = 2000;

function createProviders(ctx: ProviderContext) {
  return {
    ilert: createIlert(ctx),
    churchpad: createChurchpad(ctx),
    nodeping: createNodeping(ctx),
    growcrm: createGrowcrm(ctx),
    'r-service': createRService(ctx),
  };
}

type Providers = ReturnType<typeof createProviders>;
type ApiOf<D> = D extends ProviderDefinition<infer A> ? A : never;
type SimApis = { [K in keyof Providers]: ApiOf<Providers[K]> };

export interface Sandbox {
  url: string;
  /** How much faster than real time its rate windows and token lifetimes run. */
  timeScale: number;
  providers: Record<ProviderKey, ProviderEndpoint>;
  /** Ground truth of the seed; each record's `externalId` is the id the provider gave it. */
  people: SeedPerson[];
  setFaults(faults: FaultConfig | string, provider?: ProviderKey): void;
  setRateLimit(provider: ProviderKey, config: RateLimitSpec | null): void;
  requests(provider?: ProviderKey): RequestLogEntry[];
  requestCount(provider?: ProviderKey): number;
  writeCount(provider?: ProviderKey): number;
  clearRequests(): void;
  state(provider: ProviderKey): unknown;
  /** Per-provider programmatic state API: edit, insert or delete records directly (no HTTP, no validation). */
  sim: SimApis;
  /** Safety situations on demand (also `POST /_control/scenarios/…`); see the README's control section. */
  scenarios: SandboxScenarios;
  stop(): Promise<void>;
}

/** Starts all five simulators on one loopback port (0 = any free port). */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? DEFAULT_SEED;
  const people = generatePeople({
    seed,
    count: options.contacts ?? DEFAULT_CONTACTS,
    ...(options.seedProviders ? { providers: options.seedProviders } : {}),
  });
  const providers = createProviders({
    seed,
    people,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.tokenTtlMs !== undefined ? { tokenTtlMs: options.tokenTtlMs } : {}),
  });
  const defs = providers as Record<ProviderKey, ProviderDefinition>;
  const scenarios = new Scenarios(defs, people, {
    churchpad: providers.churchpad.api,
    nodeping: providers.nodeping.api,
  });
  const core = new SandboxCore(seed, people, defs, options, scenarios);

  const app = Fastify({
    logger: false,
    forceCloseConnections: true,
    keepAliveTimeout: 72_000,
    bodyLimit: 16 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  for (const key of PROVIDER_KEYS) {
    const rt = core.runtimes[key];
    app.register(
      async (scope) => {
        installPipeline(scope, rt, core.log, scenarios);
        rt.def.register(scope);
      },
      { prefix: rt.def.prefix },
    );
  }
  registerControlRoutes(app, core);

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  core.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: core.url,
    timeScale: core.timeScale,
    providers: Object.fromEntries(PROVIDER_KEYS.map((k) => [k, core.endpoint(k)])) as Record<
      ProviderKey,
      ProviderEndpoint
    >,
    people,
    setFaults: (faults, provider) => core.setFaults(faults, provider),
    setRateLimit: (provider, config) => core.setRateLimit(provider, config),
    requests: (provider) => core.log.list(provider),
    requestCount: (provider) => core.log.requestCount(provider),
    writeCount: (provider) => core.log.writeCount(provider),
    clearRequests: () => core.log.clear(),
    state: (provider) => core.state(provider),
    sim: Object.fromEntries(PROVIDER_KEYS.map((k) => [k, providers[k].api])) as SimApis,
    scenarios: {
      emptyList: (provider, count) => scenarios.emptyList(provider, count),
      corrupt: (provider, id, path, value) => scenarios.corrupt(provider, id, path, value),
      sharedLandline: (opts) => scenarios.sharedLandline(opts),
      deleteAfterCreate: (provider, count) => scenarios.deleteAfterCreate(provider, count),
      shiftList: (provider, change, count) => scenarios.shiftList(provider, change, count),
      pending: () => scenarios.pending(),
    },
    stop: () => app.close(),
  };
}

/** Lines for a terminal: each provider's base URL, credential and options, and the control endpoint. */
export function printSandboxInfo(sandbox: Sandbox): string[] {
  const lines = [`contact-sync sandbox listening on ${sandbox.url}`, ''];
  for (const key of PROVIDER_KEYS) {
    const p = sandbox.providers[key];
    lines.push(`${key.padEnd(10)} ${p.baseUrl}`);
    lines.push(`${''.padEnd(10)} credential: ${p.credential}`);
    const opts = Object.entries(p.options).map(([k, v]) =>
      Array.isArray(v) && v.length > 3 ? `${k}=[${v.length} items]` : `${k}=${JSON.stringify(v)}`,
    );
    if (opts.length > 0) lines.push(`${''.padEnd(10)} options:    ${opts.join(' ')}`);
  }
  lines.push(
    '',
    `control    ${sandbox.url}/_control  (faults, rate-limits, scenarios, requests, state/:provider, people)`,
  );
  return lines;
}
