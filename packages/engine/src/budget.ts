import { createHash, randomUUID } from 'node:crypto';
import { PermanentError, type RequestGate, TransientError } from '@contact-sync/connectors';
import type { ResponseHeaders } from '@contact-sync/connectors/shared/gate';
import { sleep } from '@contact-sync/connectors/shared/sleep';
import type { Redis } from 'ioredis';
import { ACQUIRE, BLOCK, RELEASE } from './budget-scripts.ts';

export interface BudgetWindow {
  max: number;
  durationMs: number;
}

/**
 * A wait longer than a budget may spend in-process: the job that asked is parked in its queue
 * (delayed until `untilMs`) instead of sleeping. A `TransientError` so that code that does not
 * know it treats it as "try again later", never as a refusal.
 */
export class BudgetWaitError extends TransientError {
  readonly untilMs: number;
  readonly reason: string;
  constructor(provider: string, connectionId: string, untilMs: number, reason: string) {
    super(
      provider,
      `${connectionId}: waiting for its rate window until ${new Date(untilMs).toISOString()} (${reason})`,
      null,
      Math.max(0, untilMs - Date.now()),
    );
    this.untilMs = untilMs;
    this.reason = reason;
    this.mayHaveApplied = false;
  }
}

/** The connection is paused: its credential was rejected; the job waits for the next probe. */
export class CredentialPausedError extends BudgetWaitError {
  constructor(provider: string, connectionId: string, untilMs: number) {
    super(provider, connectionId, untilMs, 'credential rejected');
  }
}

/** A 401/403: the credential was rejected (not the request); the connection pauses. */
export const isCredentialRejection = (err: unknown): boolean =>
  err instanceof PermanentError && (err.status === 401 || err.status === 403);

export interface BudgetOptions {
  redis: Redis;
  prefix: string;
  connectionId: string;
  provider: string;
  windows: readonly BudgetWindow[];
  /** The longest wait spent in-process (pacing); longer ones park the job. Default 60 s. */
  maxPaceMs?: number;
  /** While the credential is rejected, one request per this interval goes through as a probe. Default 60 s. */
  probeIntervalMs?: number;
  /** Told once when the connection is paused for a rejected credential, and when it resumes. */
  onCredential?: (state: 'rejected' | 'resumed', status: number) => void;
  /**
   * Where the pause outlives Redis (Postgres): written when a credential is rejected and when it
   * is accepted again or resumed by hand, read when Redis does not know (a flush, a first start).
   */
  pauseStore?: PauseStore | null;
  /**
   * The part of each window kept for a kind of request (pull, push) while the other kind also
   * wants requests. Default 0.5: a pull and a backlog of pushes each get at least half.
   */
  share?: number;
  /**
   * How long a kind's "want" outlives its last ask beyond the wait it was given (its next ask is
   * due then). Default 2 s.
   */
  wantTtlMs?: number;
}

/** The credential pause as kept outside Redis (see `loadCredentialPause`/`saveCredentialPause`). */
interface PauseStore {
  load(): Promise<number | null>;
  save(status: number | null): Promise<void>;
}

/** The acquire script's answer: {wait, taken, paused, leased} (see `ACQUIRE`). */
type Answer = [wait: number, taken: number, paused: number, leased?: number];

interface Ask {
  resolve: (answer: Answer) => void;
  reject: (err: unknown) => void;
}

/** Leased requests: window members `<member>:<next .. last>` not yet spent, until `until`. */
interface Lease {
  member: string;
  next: number;
  last: number;
  until: number;
}

const noLease = (): Lease => ({ member: '', next: 1, last: 0, until: 0 });

/** The most asks one script call takes (a longer list only makes one call longer). */
const MAX_SHARED_ASKS = 64;

/**
 * Requests a call asks to lease (at least), and how long a lease may be spent. Leased requests
 * enter the windows when leased, scored `HOLD_MS` ahead like any granted request, and count until
 * their answers are seen: so a lease may last well beyond the windows' margin, as long as it is
 * well inside `HOLD_MS`. With 40 ms instead of 10 (and leases that grow), a sync of 3,000 people
 * (initial, no-op, no-op) made 1,035 script calls instead of 2,237: a pull's requests, one after
 * another, used to find their lease expired.
 */
const LEASE_SIZE = 8;
const LEASE_MS = 40;
/**
 * A kind's lease grows (doubling, up to this) while its leases are spent before they expire, and
 * shrinks back while they expire unspent: under a steady stream of requests one script call then
 * serves dozens of them instead of eight (each call is a round trip and a Lua run in Redis). The
 * script still caps a lease by the room the windows have (half of each, less what is in it).
 */
const MAX_LEASE_SIZE = 64;
/** Leased requests spent are added to the request counters this soon after the last one (or with the next call). */
const USED_FLUSH_MS = 50;

/**
 * How long a granted request counts as in flight in its windows if its answer is never reported
 * (a process that died, a caller that does not call `done`): the longest wait between a grant and
 * the provider's count this budget covers. Real time, as the network's delays are.
 */
const HOLD_MS = 1000;
/**
 * Answers reported within this many ms go to Redis together (or with the next ask, sooner); ten
 * times as long while the last call found every window under half full (it leased): a late
 * release there only keeps a request counted a little longer in a window with room to spare.
 */
const RELEASE_MS = 5;
/** The most granted requests this process keeps as in flight (a caller that never calls `done`). */
const MAX_IN_FLIGHT = 10_000;

/** What a request is for: the connection's budget is shared fairly between the two. */
export type RequestKind = 'pull' | 'push';

export interface BudgetStatus {
  windows: { max: number; durationMs: number; used: number }[];
  /** Epoch ms until which the provider asked us to wait (a 429, `X-RateLimit-Remaining: 0`). */
  blockedUntil: number | null;
  requests: number;
  /** Requests taken by each kind (since the budget's keys were created). */
  byKind?: Record<RequestKind, number>;
  refused429: number;
}

/**
 * One request budget per connection, counted in HTTP requests and shared in Redis by its pulls,
 * its pushes and every worker process. Waits up to `maxPaceMs` in-process between requests;
 * beyond that `acquire` throws `BudgetWaitError` and the job is parked in its queue.
 */
export class RequestBudget implements RequestGate {
  readonly connectionId: string;
  readonly windows: readonly BudgetWindow[];
  readonly #o: Required<BudgetOptions>;
  readonly #key: string;
  /** This process has seen the credential paused since it last lifted or found no pause. */
  #pauseSeen = false;
  /** How many requests each kind's next call asks to lease (see `MAX_LEASE_SIZE`). */
  #leaseSize: Record<RequestKind, number> = { pull: LEASE_SIZE, push: LEASE_SIZE };

  constructor(opts: BudgetOptions) {
    this.#o = {
      maxPaceMs: 60_000,
      probeIntervalMs: 60_000,
      onCredential: () => {},
      pauseStore: null,
      share: 0.5,
      wantTtlMs: 2000,
      ...opts,
    };
    this.connectionId = opts.connectionId;
    this.windows = opts.windows;
    this.#key = `${opts.prefix}:budget:${opts.connectionId}`;
  }

  /**
   * Window lengths as the budget counts them: a little longer than the provider's, so that the
   * time between taking a request here and its arrival there (queueing, a slow hop) cannot put
   * one request too many into the provider's window. 2 % of the window, at least 50 ms.
   */
  #spans(): number[] {
    return this.windows.map((w) => w.durationMs + Math.max(50, Math.ceil(w.durationMs * 0.02)));
  }

  #keys(): string[] {
    return [`${this.#key}:blocked`, ...this.windows.map((w, i) => `${this.#key}:w${i}:${w.durationMs}`)];
  }

  /**
   * Whether the provider rejected the credential (401/403) and no probe has succeeded since.
   * Redis answers; where it holds no word on the pause at all (flushed, or never asked), the
   * pause store does, and Redis is told.
   */
  async paused(): Promise<string | null> {
    const [paused, known] = await this.#o.redis.mget(`${this.#key}:paused`, `${this.#key}:pause-known`);
    let found = paused ?? null;
    if (paused === null && known === null && this.#o.pauseStore) {
      const status = await this.#o.pauseStore.load();
      if (status !== null) await this.#o.redis.set(`${this.#key}:paused`, String(status), 'NX');
      await this.#o.redis.set(`${this.#key}:pause-known`, '1');
      found = await this.#o.redis.get(`${this.#key}:paused`);
    }
    if (found !== null) this.#pauseSeen = true;
    return found;
  }

  /** Lifts a pause by hand (`contact-sync connections resume ID`); the next request tells. */
  async resume(): Promise<void> {
    await this.#o.pauseStore?.save(null);
    await this.#o.redis.del(`${this.#key}:paused`, `${this.#key}:probe`);
    await this.#o.redis.set(`${this.#key}:pause-known`, '1');
  }

  /**
   * Takes one request of the kind from every window. Each one taken counts in the windows as in
   * flight until `done` reports its answer (or `HOLD_MS` passes): the provider counts it when it
   * arrives, which can be later than any margin. Call `done` once per `acquire` that returned.
   */
  async acquire(signal?: AbortSignal, kind: RequestKind = 'pull'): Promise<void> {
    // One request per probe interval probes a rejected credential; every other one waits in its queue.
    let probing = false;
    for (;;) {
      signal?.throwIfAborted();
      if (!probing && this.#spend(kind)) return;
      const probe = probing ? randomUUID() : '';
      const [wait, second, paused] = probing ? await this.#call(kind, true, 1, 0, '', probe) : await this.#ask(kind);
      if (probing && wait === 0) this.#granted(kind, probe, 1);
      if (paused === 1) this.#pauseSeen = true;
      if (wait === -1) {
        // Redis holds no word on the pause (flushed, or never asked): the pause store tells it.
        await this.paused();
        continue;
      }
      if (wait === -2)
        throw new CredentialPausedError(this.#o.provider, this.connectionId, Date.now() + Math.max(second, 1));
      if (paused === 1) probing = true;
      if (wait <= 0) return;
      if (wait > this.#o.maxPaceMs) {
        const reason = (await this.#o.redis.get(`${this.#key}:blocked`))
          ? 'the provider asked to wait'
          : 'request budget spent';
        throw new BudgetWaitError(this.#o.provider, this.connectionId, Date.now() + wait, reason);
      }
      await sleep(wait, signal);
    }
  }

  /** Asks of each kind waiting for the script call on its way to end (see `#ask`). */
  readonly #asks: Record<RequestKind, Ask[]> = { pull: [], push: [] };
  readonly #sending: Record<RequestKind, boolean> = { pull: false, push: false };
  /**
   * Requests of each kind leased by the last call (window members `<member>:<next .. last>` not
   * yet spent), and until when they may be spent.
   */
  readonly #leases: Record<RequestKind, Lease> = { pull: noLease(), push: noLease() };
  /** Leased requests spent and not yet added to the request counters in Redis. */
  readonly #used: Record<RequestKind, number> = { pull: 0, push: 0 };
  #flushTimer: NodeJS.Timeout | null = null;
  /** This process's granted requests of each kind whose answers were not yet reported (window members). */
  readonly #inFlight: Record<RequestKind, string[]> = { pull: [], push: [] };
  /** Answered requests ("<kind>|<member>") not yet re-scored in Redis (see `RELEASE`). */
  #released: string[] = [];
  #releaseTimer: NodeJS.Timeout | null = null;
  /** The last script call found every window under half full (it leased requests). */
  #roomy = false;

  /** Requests `<member>:1 .. :count` were granted to this process: in flight until `done`. */
  #granted(kind: RequestKind, member: string, count: number, from = 1): void {
    if (this.windows.length === 0) return;
    const list = this.#inFlight[kind];
    for (let j = from; j < from + count; j++) list.push(`${member}:${j}`);
    if (list.length > MAX_IN_FLIGHT) list.splice(0, list.length - MAX_IN_FLIGHT);
  }

  /**
   * The answer of one request of the kind was seen (or it ended without one): it counts in the
   * windows from now on for one window, no longer as in flight. Which of the kind's requests is
   * handed back does not matter: the windows count scores, not whose they are.
   */
  done(kind: RequestKind = 'pull'): void {
    const member = this.#inFlight[kind].shift();
    if (member === undefined) return;
    this.#released.push(`${kind}|${member}`);
    this.#releaseTimer ??= setTimeout(
      () => void this.#flushReleased(),
      this.#roomy ? 10 * RELEASE_MS : RELEASE_MS,
    ).unref();
  }

  /** The answered requests to hand back with a script call (put back by `#unreleased` if it fails). */
  #takeReleased(): string {
    if (this.#released.length === 0) return '';
    const words = this.#released.join(' ');
    this.#released = [];
    return words;
  }

  #unreleased(words: string): void {
    if (words !== '') this.#released.push(...words.split(' '));
  }

  async #flushReleased(): Promise<void> {
    if (this.#releaseTimer) clearTimeout(this.#releaseTimer);
    this.#releaseTimer = null;
    const refunds = this.#refunds(null);
    const words = this.#takeReleased();
    if (words === '' && refunds === '') return;
    try {
      await evalScript(this.#o.redis, RELEASE, this.#keys().slice(1), [words, refunds, ...this.#spans().map(String)]);
    } catch {
      this.#unreleased(words); // Redis away: they stay in flight (counted) until a later call
    }
  }

  /** Takes one request of the kind's lease, if it holds one still to be spent. */
  #spend(kind: RequestKind): boolean {
    const lease = this.#leases[kind];
    if (lease.next > lease.last || Date.now() >= lease.until) return false;
    this.#granted(kind, lease.member, 1, lease.next);
    lease.next++;
    this.#used[kind]++;
    // Counted with the next call, or soon after the last one spent.
    this.#flushTimer ??= setTimeout(() => void this.#flushUsed(), USED_FLUSH_MS).unref();
    return true;
  }

  /** No more requests from leases: the provider refused or asked to wait. */
  #dropLeases(): void {
    this.#leases.pull.until = 0;
    this.#leases.push.until = 0;
  }

  /**
   * The unspent leases to hand back with the next call (see `ACQUIRE`): the asking kind's, and any
   * kind's that expired (a pull that ended leaves its last lease to no later ask of its kind).
   */
  #refunds(asking: RequestKind | null): string {
    const words: string[] = [];
    for (const kind of ['pull', 'push'] as const) {
      const lease = this.#leases[kind];
      if (kind !== asking && Date.now() < lease.until) continue;
      this.#leases[kind] = noLease();
      // A lease retired spent whole asks for more next time, one that expired unspent for fewer.
      if (lease.member !== '') {
        const size = this.#leaseSize[kind];
        this.#leaseSize[kind] =
          lease.next > lease.last ? Math.min(MAX_LEASE_SIZE, size * 2) : Math.max(LEASE_SIZE, Math.floor(size / 2));
      }
      if (lease.next <= lease.last) words.push(`${kind}|${lease.member}:${lease.next}:${lease.last}`);
    }
    return words.join(' ');
  }

  /** Adds the leased requests spent since the last call to the request counters. */
  async #flushUsed(): Promise<void> {
    this.#flushTimer = null;
    for (const kind of ['pull', 'push'] as const) {
      const n = this.#used[kind];
      if (n === 0) continue;
      this.#used[kind] = 0;
      try {
        await this.#o.redis
          .multi()
          .incrby(`${this.#key}:blocked:requests`, n)
          .incrby(`${this.#key}:blocked:requests:${kind}`, n)
          .exec();
      } catch {
        this.#used[kind] += n; // Redis away: counted with a later call
      }
    }
  }

  /**
   * One request's ask. Asks of a kind made while its script call is on its way go together in the
   * next call, which takes as many requests as the windows have free: under concurrency a request
   * costs a fraction of a round trip to Redis, and each is still counted in every window.
   */
  #ask(kind: RequestKind): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.#asks[kind].push({ resolve, reject });
      if (!this.#sending[kind]) void this.#send(kind);
    });
  }

  async #send(kind: RequestKind): Promise<void> {
    this.#sending[kind] = true;
    try {
      const queue = this.#asks[kind];
      while (queue.length > 0) {
        // Asks made while the last call was on its way may spend what it leased.
        while (queue.length > 0 && this.#spend(kind)) queue.shift()!.resolve([0, 1, 0]);
        if (queue.length === 0) break;
        const asks = queue.splice(0, MAX_SHARED_ASKS);
        const used = this.#used[kind];
        this.#used[kind] = 0;
        const member = randomUUID();
        const released = this.#takeReleased();
        let answer: Answer;
        try {
          answer = await this.#call(kind, false, asks.length, used, this.#refunds(kind), member, released);
        } catch (err) {
          this.#unreleased(released);
          this.#used[kind] += used;
          for (const a of asks) a.reject(err);
          continue;
        }
        const [wait, taken, paused, leased = 0] = answer;
        if (wait < 0) this.#used[kind] += used; // answered before counting
        this.#roomy = leased > 0;
        if (leased > 0) {
          this.#leases[kind] = { member, next: taken + 1, last: taken + leased, until: Date.now() + LEASE_MS };
          // A lease left unspent is handed back once it expires, whether or not another ask comes.
          setTimeout(() => {
            const lease = this.#leases[kind];
            if (lease.member === member && lease.next <= lease.last) void this.#flushReleased();
          }, LEASE_MS + 1).unref();
        }
        // Paused: the first ask holds the probe (granted, or waiting for a window); the others ask
        // again and find the probe taken. Unknown pause (-1) or the probe taken (-2): all alike.
        if (wait === 0) this.#granted(kind, member, taken);
        if (paused === 1 && wait >= 0) {
          asks[0]!.resolve(wait === 0 ? [0, 1, 1] : answer);
          queue.unshift(...asks.slice(1));
          continue;
        }
        if (wait !== 0) {
          for (const a of asks) a.resolve(answer);
          continue;
        }
        for (const a of asks.slice(0, taken)) a.resolve([0, 1, 0]);
        // A window had room for fewer: the rest ask again, first in line (and learn their wait).
        queue.unshift(...asks.slice(taken));
      }
    } finally {
      this.#sending[kind] = false;
    }
  }

  /** One call of the acquire script for `count` requests of a kind (`used`: leased ones spent since the last). */
  async #call(
    kind: RequestKind,
    probing: boolean,
    count: number,
    used = 0,
    refund = '',
    member: string = randomUUID(),
    released = '',
  ): Promise<Answer> {
    const keys = [
      `${this.#key}:blocked`,
      `${this.#key}:paused`,
      `${this.#key}:pause-known`,
      `${this.#key}:probe`,
      ...this.#keys().slice(1),
    ];
    const spans = this.#spans();
    const args = [
      ...this.windows.flatMap((w, i) => [String(w.max), String(spans[i])]),
      String(this.#o.share),
      String(this.#o.wantTtlMs),
      String(this.#o.probeIntervalMs),
      probing ? '1' : '0',
      this.#o.pauseStore ? '1' : '0',
      String(HOLD_MS),
      released,
      refund,
      String(used),
      String(count),
      String(probing ? 0 : this.#leaseSize[kind]),
      kind,
      member,
    ];
    return (await evalScript(this.#o.redis, ACQUIRE, keys, args)) as Answer;
  }

  async observe(status: number, headers: ResponseHeaders): Promise<void> {
    const now = Date.now();
    if (status === 401 || status === 403 || status === 429) this.#dropLeases();
    if (status === 401 || status === 403) {
      this.#pauseSeen = true;
      const first = await this.#o.redis.set(`${this.#key}:paused`, String(status), 'NX');
      if (first === 'OK') {
        await this.#o.redis.set(`${this.#key}:probe`, '1', 'PX', this.#o.probeIntervalMs);
        await this.#o.pauseStore?.save(status);
        await this.#o.redis.set(`${this.#key}:pause-known`, '1');
        this.#o.onCredential('rejected', status);
      }
      return;
    }
    // An accepted request lifts the pause. Asked only once this process has seen one (its own
    // rejection, or an acquire that found it): the common answer then costs no round trip.
    if (status < 500 && this.#pauseSeen) {
      this.#pauseSeen = false;
      if ((await this.#o.redis.del(`${this.#key}:paused`)) > 0) {
        await this.#o.redis.del(`${this.#key}:probe`);
        await this.#o.pauseStore?.save(null);
        this.#o.onCredential('resumed', status);
      }
    }
    if (status === 429) {
      const retryAfter = parseSeconds(headers.get('retry-after'));
      // No Retry-After (ilert): the provider refuses until its window ends; wait out the longest.
      const longest = Math.max(1000, ...this.windows.map((w) => w.durationMs));
      await this.#o.redis.eval(BLOCK, 1, `${this.#key}:blocked`, String(retryAfter ?? longest));
      return;
    }
    const remaining = headers.get('x-ratelimit-remaining');
    const reset = headers.get('x-ratelimit-reset');
    if (remaining !== null && Number(remaining) <= 0 && reset !== null && Number.isFinite(Number(reset))) {
      this.#dropLeases();
      // The provider's own epoch time: the wait is the distance from our clock to it.
      await this.#o.redis.set(
        `${this.#key}:blocked`,
        String(Number(reset) * 1000),
        'PX',
        Math.max(1, Number(reset) * 1000 - now + 1000),
      );
    }
  }

  /** Requests used in each window now, the wait the provider asked for, and totals (for status). */
  async status(): Promise<BudgetStatus> {
    const keys = this.#keys();
    const now = Date.now();
    const spans = this.#spans();
    const used = await Promise.all(
      this.windows.map((_, i) => this.#o.redis.zcount(keys[i + 1]!, String(now - spans[i]!), '+inf')),
    );
    const [blocked, requests, refused, pulls, pushes] = await this.#o.redis.mget(
      keys[0]!,
      `${keys[0]}:requests`,
      `${keys[0]}:429`,
      `${keys[0]}:requests:pull`,
      `${keys[0]}:requests:push`,
    );
    const until = Number(blocked ?? 0);
    return {
      windows: this.windows.map((w, i) => ({ ...w, used: used[i]! })),
      blockedUntil: until > now ? until : null,
      // With the leased requests this process spent and has not yet counted in Redis.
      requests: Number(requests ?? 0) + this.#used.pull + this.#used.push,
      byKind: { pull: Number(pulls ?? 0) + this.#used.pull, push: Number(pushes ?? 0) + this.#used.push },
      refused429: Number(refused ?? 0),
    };
  }
}

const parseSeconds = (v: string | null): number | null => {
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  if (Number.isFinite(n)) return Math.max(0, Math.round(n * 1000));
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
};

const shas = new Map<string, string>();

/**
 * EVALSHA of a script, EVAL once where Redis does not hold it yet (a first call, a restart, a
 * SCRIPT FLUSH): a request's ask sends the script's hash, not its text.
 */
async function evalScript(redis: Redis, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}
