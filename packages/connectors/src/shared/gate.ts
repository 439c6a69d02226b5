/** An answer's headers, read by name (a fetch `Headers` is one). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/**
 * What every HTTP request of a connection passes through: `acquire` before it is sent (it may
 * wait for the connection's request budget, or throw to park the job), `observe` with each
 * answer's status and headers (`X-RateLimit-Remaining`/`Reset`, a 429). The worker supplies one
 * per connection, shared by its pulls and pushes and, through Redis, by every worker process.
 */
export interface RequestGate {
  acquire(signal?: AbortSignal): Promise<void>;
  observe(status: number, headers: ResponseHeaders): Promise<void> | void;
  /**
   * A request that was sent ended in a transient failure (5xx, 429, timeout, network, a body
   * that is not JSON): the worker counts these against the op that made them and stops retrying
   * once its bound is spent, whichever layer retries (transport, create adoption, queue).
   */
  failed?(): void;
  /**
   * The request an `acquire` let through has ended: its answer was seen, or it failed or was
   * aborted. Once per `acquire` that returned. Until then the budget counts it as in flight: the
   * provider counts it on arrival, which may come later than the budget's margin covers.
   */
  done?(): void;
}
