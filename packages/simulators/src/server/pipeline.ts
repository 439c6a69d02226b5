import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_RETRY_AFTER_SEC, DEFAULT_TIMEOUT_HOLD_MS, type FaultInjector } from '../shared/faults.ts';
import type { RateLimiter } from '../shared/rate-limit.ts';
import { isWriteMethod, type RequestLog } from '../shared/request-log.ts';
import type { RequestLogEntry } from '../types.ts';
import type { ProviderDefinition } from './provider.ts';
import type { Scenarios } from './scenarios.ts';

export interface ProviderRuntime {
  def: ProviderDefinition;
  faults: FaultInjector;
  limiter: RateLimiter;
}

interface Pending {
  entry?: RequestLogEntry;
  ghost?: boolean;
  /** The socket was destroyed on purpose: no status reached the client. */
  lost?: boolean;
}

const pendingByRequest = new WeakMap<FastifyRequest, Pending>();

function markLost(req: FastifyRequest): void {
  const p = pendingByRequest.get(req);
  if (p) p.lost = true;
  if (p?.entry) p.entry.status = 0;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Installs the shared request pipeline on one provider's scope:
 * latency → auth → rate limit → injected fault → empty-list scenario → handler → ghost write →
 * delete-after-create scenario.
 */
export function installPipeline(
  scope: FastifyInstance,
  rt: ProviderRuntime,
  log: RequestLog,
  scenarios: Scenarios,
): void {
  const { def } = rt;

  const ensureLogged = (req: FastifyRequest): RequestLogEntry => {
    let p = pendingByRequest.get(req);
    if (!p) {
      p = {};
      pendingByRequest.set(req, p);
    }
    if (!p.entry) {
      const effectiveMethod = (def.effectiveMethod?.(req) ?? req.method).toUpperCase();
      p.entry = log.record({
        provider: def.key,
        method: req.method,
        effectiveMethod,
        path: req.url,
        status: 0,
        time: Date.now(),
        isWrite: isWriteMethod(effectiveMethod),
      });
    }
    return p.entry;
  };

  scope.addHook('onRequest', async () => {
    const latency = rt.faults.config.latencyMs;
    if (latency && latency > 0) await sleep(latency);
  });

  scope.addHook('preHandler', async (req, reply) => {
    const entry = ensureLogged(req);
    const credential = def.authenticate(req);
    if (credential === null) return def.rejectAuth(req, reply);

    const rate = rt.limiter.hit(credential);
    def.decorate?.(req, reply, rate);
    if (!rate.allowed) {
      entry.fault = 'rateLimited';
      if (rate.sendRetryAfter) reply.header('Retry-After', String(rate.retryAfterSec));
      return def.sendError(reply, 429, 'Too Many Requests');
    }

    const fault = rt.faults.decide(entry.isWrite);
    if (!fault) {
      // A listing hit by a fault was not answered: it does not use up an armed empty list.
      const empty = scenarios.takeEmptyList(def, req, reply);
      if (empty === undefined) return;
      entry.scenario = 'emptyList';
      return reply.code(200).send(empty);
    }
    entry.fault = fault;
    const cfg = rt.faults.config;
    switch (fault) {
      case 'error5xx':
        return def.sendError(reply, rt.faults.coin() ? 500 : 503, 'Injected server error');
      case 'rate429':
        reply.header('Retry-After', String(cfg.retryAfterSec ?? DEFAULT_RETRY_AFTER_SEC));
        return def.sendError(reply, 429, 'Too Many Requests');
      case 'reset':
        markLost(req);
        req.raw.socket.destroy();
        return reply.hijack();
      case 'malformed':
        if (rt.faults.coin()) {
          return reply.code(200).type('application/json').send('{"data":[{"id":1,"name":"trunc');
        }
        return reply.code(200).type('text/html').send('<html><body><h1>502 Bad Gateway</h1></body></html>');
      case 'timeout': {
        const socket = req.raw.socket;
        await new Promise<void>((resolve) => {
          const onClose = () => {
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            socket.off('close', onClose);
            resolve();
          }, cfg.timeoutHoldMs ?? DEFAULT_TIMEOUT_HOLD_MS);
          socket.once('close', onClose);
        });
        if (socket.destroyed) {
          markLost(req);
          return reply.hijack();
        }
        return def.sendError(reply, 504, 'Gateway Timeout');
      }
      case 'ghostWrite': {
        const p = pendingByRequest.get(req);
        if (p) p.ghost = true;
        entry.fault = undefined; // set again only if the write was actually applied
        return;
      }
    }
  });

  // The write has been applied by the handler; lose the answer.
  scope.addHook('onSend', async (req, reply, payload) => {
    const entry = ensureLogged(req);
    const p = pendingByRequest.get(req);
    if (p?.ghost && reply.statusCode < 400) {
      entry.fault = 'ghostWrite';
      if (rt.faults.coin()) {
        entry.status = 0;
        p.lost = true;
        req.raw.socket.destroy();
        return payload;
      }
      reply.code(500);
      reply.type('application/json');
      return JSON.stringify(errorPayloadFor(def, reply));
    }
    entry.status = reply.statusCode;
    // The create has answered (not ghosted): delete what it made before the client can look.
    if (scenarios.takeDeleteAfterCreate(def, req, reply.statusCode, payload) !== null) {
      entry.scenario = 'deleteAfterCreate';
    }
    // A page of a listing has answered: another client changes the list before the next page.
    if (scenarios.takeShiftList(def, req, reply.statusCode) !== null) entry.scenario = 'shiftList';
    return payload;
  });

  // Later onSend hooks (r-service's 304) may still change the status.
  scope.addHook('onResponse', async (req, reply) => {
    const p = pendingByRequest.get(req);
    if (p?.entry && !p.lost) p.entry.status = reply.statusCode;
  });

  scope.setNotFoundHandler(async (req, reply) => {
    ensureLogged(req);
    if (def.authenticate(req) === null) return def.rejectAuth(req, reply);
    return def.sendError(reply, 404, 'Not Found');
  });
  // Each provider installs its own error handler (its error body shape); onSend logs those replies.
}

/** Builds the body a provider would send for a 500, by letting it write into a throwaway reply shim. */
function errorPayloadFor(def: ProviderDefinition, _reply: FastifyReply): unknown {
  let body: unknown = { message: 'Internal Server Error' };
  const shim = {
    code() {
      return shim;
    },
    status() {
      return shim;
    },
    header() {
      return shim;
    },
    type() {
      return shim;
    },
    send(b: unknown) {
      body = b;
      return shim;
    },
  };
  def.sendError(shim as unknown as FastifyReply, 500, 'Internal Server Error');
  return body;
}
