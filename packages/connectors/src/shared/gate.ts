/**
 * What every HTTP request of a connection passes through: `acquire` before it is sent (it may
 * wait for the connection's request budget, or throw to park the job), `observe` with each
 * answer's status and headers (`X-RateLimit-Remaining`/`Reset`, a 429). The worker supplies one
 * per connection, shared by its pulls and pushes and, through Redis, by every worker process.
 */
export interface RequestGate {
  acquire(signal?: AbortSignal): Promise<void>;
  observe(status: number, headers: Headers): Promise<void> | void;
}
