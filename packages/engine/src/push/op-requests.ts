import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestGate } from '@contact-sync/connectors';
import type { RequestKind } from '../budget.ts';

/**
 * The HTTP requests one push attempt of an op makes, whichever layer sends them (the transport's
 * retries of a read, a create's lookup, the op's own write). `failedBefore` is what earlier
 * attempts spent (the op's `httpFailures` column), so the bound holds across the queue's
 * retries, a restart and a Redis that lost its jobs.
 */
export interface OpRequests {
  opId: string;
  /** Failed requests the op is allowed in all (`push.maxHttpAttempts`). */
  max: number;
  failedBefore: number;
  sent: number;
  failed: number;
}

/**
 * The op's bound of failed HTTP requests is spent: it is not retried by any layer. Neither
 * transient nor a provider's refusal, so the transport does not retry it and the op fails
 * without a conflict entry.
 */
export class OpAttemptsSpentError extends Error {
  override readonly name = 'OpAttemptsSpentError';
  constructor(opId: string, max: number) {
    super(`op ${opId}: ${max} HTTP requests failed (push.maxHttpAttempts); not retried again`);
  }
}

const current = new AsyncLocalStorage<OpRequests>();

/** Runs one push attempt with its requests counted (and bounded) as the op's. */
export const countingOpRequests = <T>(ctx: OpRequests, work: () => Promise<T>): Promise<T> => current.run(ctx, work);

/** True when an op's failed requests, earlier attempts' and this one's, reached its bound. */
export const spent = (ctx: OpRequests): boolean => ctx.failedBefore + ctx.failed >= ctx.max;

/** A budget that shares its windows between pulls and pushes (`RequestBudget`). */
export interface KindedGate extends RequestGate {
  acquire(signal?: AbortSignal, kind?: RequestKind): Promise<void>;
  done?(kind?: RequestKind): void;
}

/**
 * A connection's gate with the op bound in front: inside a push attempt, a request is refused
 * before it is sent once the op's failed requests reached `max`, and each one sent (or failed)
 * is counted on the op. Outside an op (pulls) it is the budget alone. The budget is told which
 * kind each request is (inside an op: push; else pull) for its fair shares.
 */
export function opGate(budget: KindedGate): RequestGate {
  return {
    acquire: async (signal) => {
      const ctx = current.getStore();
      if (ctx && spent(ctx)) throw new OpAttemptsSpentError(ctx.opId, ctx.max);
      await budget.acquire(signal, ctx ? 'push' : 'pull');
      if (ctx) ctx.sent++;
    },
    observe: (status, headers) => budget.observe(status, headers),
    done: () => budget.done?.(current.getStore() ? 'push' : 'pull'),
    failed: () => {
      const ctx = current.getStore();
      if (ctx) ctx.failed++;
      budget.failed?.();
    },
  };
}
