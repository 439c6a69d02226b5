import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PROVIDER_KEYS, type ProviderKey } from '../types.ts';
import type { SandboxCore } from './sandbox-core.ts';
import { E164_LANDLINE } from './scenarios.ts';

const ProviderSchema = z.enum(PROVIDER_KEYS as [ProviderKey, ...ProviderKey[]]);
const share = z.number().min(0).max(1).optional();
const FaultConfigSchema = z.strictObject({
  latencyMs: z.number().int().min(0).optional(),
  error5xx: share,
  rate429: share,
  retryAfterSec: z.number().int().min(0).optional(),
  timeout: share,
  timeoutHoldMs: z.number().int().min(0).optional(),
  reset: share,
  malformed: share,
  ghostWrite: share,
});
const FaultBodySchema = z.union([z.strictObject({ profile: z.string() }), FaultConfigSchema]);
const RateWindowSchema = z.strictObject({ max: z.number().int().min(1), windowMs: z.number().int().min(1) });
const RateLimitBodySchema = z.union([RateWindowSchema, z.array(RateWindowSchema).min(1), z.null()]);

const CountBodySchema = z.strictObject({ count: z.number().int().min(0).optional() });
const ShiftBodySchema = z.strictObject({
  change: z.enum(['insert', 'delete']),
  count: z.number().int().min(0).optional(),
});
const CorruptBodySchema = z.strictObject({
  id: z.union([z.string().min(1), z.number().int()]).transform(String),
  path: z.string().min(1),
  value: z.json(),
});
const LandlineBodySchema = z.strictObject({
  phone: z.string().regex(E164_LANDLINE, 'phone must be E.164 (+ and 7–14 digits)').optional(),
});

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** `/_control/*`: no auth, loopback clients only; never logged and never faulted. */
export function registerControlRoutes(app: FastifyInstance, core: SandboxCore): void {
  app.register(
    async (scope) => {
      scope.addHook('onRequest', async (req, reply) => {
        if (!LOOPBACK.test(req.socket.remoteAddress ?? '')) return reply.code(403).send({ error: 'loopback only' });
      });
      scope.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
        const status = err instanceof z.ZodError ? 400 : (err.statusCode ?? 500);
        return reply.code(status).send({ error: err.message });
      });

      scope.get('/', async () => ({
        providers: Object.fromEntries(PROVIDER_KEYS.map((k) => [k, core.endpoint(k)])),
        faults: core.faultsByProvider(),
        rateLimits: core.rateLimitsByProvider(),
        requests: core.log.requestCount(),
        writes: core.log.writeCount(),
        scenarios: core.scenarios.pending(),
      }));

      type ProviderParams = { Params: { provider: string } };
      scope.get('/scenarios', async () => core.scenarios.pending());
      scope.post<ProviderParams>('/scenarios/:provider/empty-list', async (req) => {
        const { count } = CountBodySchema.parse(req.body ?? {});
        core.scenarios.emptyList(ProviderSchema.parse(req.params.provider), count);
        return core.scenarios.pending();
      });
      scope.post<ProviderParams>('/scenarios/:provider/delete-after-create', async (req) => {
        const { count } = CountBodySchema.parse(req.body ?? {});
        core.scenarios.deleteAfterCreate(ProviderSchema.parse(req.params.provider), count);
        return core.scenarios.pending();
      });
      scope.post<ProviderParams>('/scenarios/:provider/shift-list', async (req) => {
        const { change, count } = ShiftBodySchema.parse(req.body ?? {});
        core.scenarios.shiftList(ProviderSchema.parse(req.params.provider), change, count);
        return core.scenarios.pending();
      });
      scope.post<ProviderParams>('/scenarios/:provider/corrupt', async (req) => {
        const provider = ProviderSchema.parse(req.params.provider);
        const { id, path, value } = CorruptBodySchema.parse(req.body ?? {});
        core.scenarios.corrupt(provider, id, path, value);
        return { provider, id, path, value };
      });
      scope.post('/scenarios/shared-landline', async (req) => {
        const { phone } = LandlineBodySchema.parse(req.body ?? {});
        return core.scenarios.sharedLandline(phone === undefined ? {} : { phone });
      });

      scope.get('/faults', async () => core.faultsByProvider());
      const putFaults = async (provider: ProviderKey | undefined, body: unknown) => {
        const parsed = FaultBodySchema.parse(body ?? {});
        try {
          core.setFaults('profile' in parsed ? parsed.profile : parsed, provider);
        } catch (err) {
          throw Object.assign(new Error((err as Error).message), { statusCode: 400 });
        }
        return core.faultsByProvider();
      };
      scope.put('/faults', async (req) => putFaults(undefined, req.body));
      scope.put<{ Params: { provider: string } }>('/faults/:provider', async (req) =>
        putFaults(ProviderSchema.parse(req.params.provider), req.body),
      );

      scope.get('/rate-limits', async () => core.rateLimitsByProvider());
      scope.put<{ Params: { provider: string } }>('/rate-limits/:provider', async (req) => {
        core.setRateLimit(ProviderSchema.parse(req.params.provider), RateLimitBodySchema.parse(req.body ?? null));
        return core.rateLimitsByProvider();
      });

      scope.get<{ Querystring: { provider?: string } }>('/requests', async (req) => {
        const provider = req.query.provider ? ProviderSchema.parse(req.query.provider) : undefined;
        return {
          count: core.log.requestCount(provider),
          writes: core.log.writeCount(provider),
          entries: core.log.list(provider),
        };
      });
      scope.delete('/requests', async (_req, reply) => {
        core.log.clear();
        return reply.code(204).send();
      });

      scope.get<{ Params: { provider: string } }>('/state/:provider', async (req) =>
        core.state(ProviderSchema.parse(req.params.provider)),
      );
      scope.get('/people', async () => core.people);
    },
    { prefix: '/_control' },
  );
}
