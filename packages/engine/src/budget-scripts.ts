/** The request budget's Redis scripts: one atomic step each, on Redis' clock (see budget.ts). */

/**
 * Lua shared by ACQUIRE and RELEASE: answered requests ("<kind>|<member>" words) are scored `now`
 * in the window logs KEYS[first..] and their kind's, so each counts for one window more from its
 * answer; the logs (whose ttl was set at a grant) live at least that window (`spanOf(i)`).
 */
const RESCORE = `
-- Unspent leases handed back ("<kind>|<member>:<from>:<to>" words) leave the logs KEYS[first..].
local function unlease(refunds, first)
  for k, member, from, to in string.gmatch(refunds, '(%a+)|(%S+):(%d+):(%d+)') do
    for i = first, #KEYS do
      for j = tonumber(from), tonumber(to) do
        redis.call('ZREM', KEYS[i], member .. ':' .. j)
        redis.call('ZREM', KEYS[i] .. ':' .. k, member .. ':' .. j)
      end
    end
  end
end
local function rescore(released, now, first, spanOf)
  for k, m in string.gmatch(released, '(%a+)|(%S+)') do
    for i = first, #KEYS do
      redis.call('ZADD', KEYS[i], 'XX', now, m)
      redis.call('ZADD', KEYS[i] .. ':' .. k, 'XX', now, m)
    end
  end
  for i = first, #KEYS do
    local dur = spanOf(i)
    for _, key in ipairs({KEYS[i], KEYS[i] .. ':pull', KEYS[i] .. ':push'}) do
      local ttl = redis.call('PTTL', key)
      if ttl >= 0 and ttl < dur then redis.call('PEXPIRE', key, dur) end
    end
  end
end
`;

/**
 * Takes up to `count` requests (ARGV[#ARGV - 3]) from every window, or answers how long until one
 * frees. Sliding logs (one sorted set per window, scored by Redis' clock, so every process
 * agrees): at most `max` requests in any `durationMs`, which keeps inside any fixed window the
 * provider counts. KEYS[1] holds "blocked until" (epoch ms) set from a 429 or an exhausted
 * `X-RateLimit-Remaining`; KEYS[2..4] the credential pause, its "pause known" mark and its probe;
 * KEYS[5..] the windows' logs. The pause is checked here too, so that a request costs one round
 * trip to Redis, not three — and asks made while one is on its way share the next (`count`).
 * Answers {wait, taken, paused, leased}: `taken` requests were granted (fewer than asked when a
 * window had fewer free; none with a wait); wait -1 = the pause is unknown to Redis, -2 = paused
 * and the probe is taken (the second value is the probe's ttl). A paused connection grants one:
 * the probe.
 *
 * Leases: while every window is less than half full, nothing blocks and the other kind wants
 * nothing, up to `lease` (ARGV[#ARGV - 2]) more requests are taken for the asker to spend in the
 * next few milliseconds without asking (`leased`, members `<ARGV[#ARGV]>:<taken + 1 .. taken + leased>`).
 * They enter the windows now (early: the windows' margin covers the lease's life), and the
 * request counters only as they are spent — the caller reports those with its next call
 * (`used`, ARGV[#ARGV - 4]), and hands back what it did not spend (`refund`, ARGV[#ARGV - 5]:
 * "<kind>|<member>:<from>:<to>" words, or empty; also RELEASE, once a lease expired unspent),
 * which leaves the windows again: a slow asker's unspent leases do not pile up in a window.
 *
 * Fair shares: each request is of a kind (ARGV[#ARGV - 1]: pull or push), counted in a log of its
 * kind per window too. While the other kind wants requests (its "want" key, set by each of its
 * asks for as long as it will wait, lives), the part of the other kind's share (`share` of `max`)
 * it has not used in the window is kept free for it: a long pull cannot take the whole window
 * from a backlog of pushes, nor pushes from the pull. Alone, a kind may use the whole window.
 *
 * In flight: a provider counts a request when it arrives, which may be well after it was granted
 * here (a socket to open, a stalled event loop). So a granted request enters the windows scored
 * `hold` (ARGV[nw * 2 + 6]) ms ahead, counted whatever the window's age, until its answer is seen:
 * the caller then hands it back (`released`, ARGV[nw * 2 + 7]: "<kind>|<member>" words) and it is
 * scored at that moment, counted for one window more. A window whose freeing request is in flight
 * frees a window after its answer, at the earliest a window from now: the wait is then that.
 */
export const ACQUIRE = `${RESCORE}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nw = #KEYS - 4
local kind = ARGV[#ARGV - 1]
local lease = tonumber(ARGV[#ARGV - 2])
local count = tonumber(ARGV[#ARGV - 3])
local used = tonumber(ARGV[#ARGV - 4])
local refund = ARGV[#ARGV - 5]
if refund ~= '' then unlease(refund, 5) end
local other = kind == 'pull' and 'push' or 'pull'
local share = tonumber(ARGV[nw * 2 + 1])
local wantPx = tonumber(ARGV[nw * 2 + 2])
local probePx = tonumber(ARGV[nw * 2 + 3])
local probing = ARGV[nw * 2 + 4] == '1'
local base = KEYS[1]
local hold = tonumber(ARGV[nw * 2 + 6])
local released = ARGV[nw * 2 + 7]
if released ~= '' then
  rescore(released, now, 5, function(i) return tonumber(ARGV[(i - 5) * 2 + 2]) end)
end
-- The wait until an entry leaves a window: a window after its answer, which for one in flight is still to come.
local function freesIn(score, dur)
  if score > now then return dur + 1 end
  return score + dur - now + 1
end
-- The credential pause (KEYS[2] paused, KEYS[3] pause-known, KEYS[4] probe), unless this ask
-- already holds the probe: unknown (-1: the caller reads the pause store and asks again), or
-- paused with the probe taken (-2, its ttl), or paused and this request is the probe (3rd value 1).
local paused = 0
if not probing then
  if redis.call('EXISTS', KEYS[2]) == 1 then
    if not redis.call('SET', KEYS[4], '1', 'PX', probePx, 'NX') then
      return {-2, redis.call('PTTL', KEYS[4]), 1}
    end
    paused = 1
    count = 1
  elseif ARGV[nw * 2 + 5] == '1' and redis.call('EXISTS', KEYS[3]) == 0 then
    return {-1, 0, 0}
  end
end
local otherWants = redis.call('EXISTS', base .. ':want:' .. other) == 1
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
local wait = 0
local free = count
if paused == 1 or otherWants then lease = 0 end
if blocked > now then wait = blocked - now end
if wait == 0 then
  for i = 5, #KEYS do
    local max = tonumber(ARGV[(i - 5) * 2 + 1])
    local dur = tonumber(ARGV[(i - 5) * 2 + 2])
    local mine = KEYS[i] .. ':' .. kind
    local theirs = KEYS[i] .. ':' .. other
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - dur)
    redis.call('ZREMRANGEBYSCORE', mine, '-inf', now - dur)
    redis.call('ZREMRANGEBYSCORE', theirs, '-inf', now - dur)
    local n = redis.call('ZCARD', KEYS[i])
    if n >= max then
      local freeing = redis.call('ZRANGE', KEYS[i], n - max, n - max, 'WITHSCORES')
      local w = freesIn(tonumber(freeing[2]), dur)
      if w > wait then wait = w end
    else
      local room = max - n
      if otherWants then
        local reserve = math.floor(max * share)
        local kept = reserve - redis.call('ZCARD', theirs)
        if kept > 0 then room = max - n - kept end
        if kept > 0 and n + kept >= max then
          -- Only the other kind's unused share is free: wait until one of this kind's leaves the window.
          local m = redis.call('ZCARD', mine)
          local need = n + kept - max + 1
          -- (Entries of no kind, from before kinds were counted, free in turn: wait for the oldest.)
          local freeing = m >= need and redis.call('ZRANGE', mine, need - 1, need - 1, 'WITHSCORES')
            or redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
          local w = freesIn(tonumber(freeing[2]), dur)
          if w > wait then wait = w end
        end
      end
      if room < free then free = room end
      local spare = math.floor(max / 2) - n - count
      if spare < lease then lease = spare end
    end
  end
end
if lease < 0 or free < count then lease = 0 end
redis.call('SET', base .. ':want:' .. kind, '1', 'PX', math.max(1, wait) + wantPx)
if used > 0 then
  redis.call('INCRBY', KEYS[1] .. ':requests', used)
  redis.call('INCRBY', KEYS[1] .. ':requests:' .. kind, used)
end
if wait > 0 then return {wait, 0, paused, 0} end
local member = ARGV[#ARGV]
for i = 5, #KEYS do
  local dur = tonumber(ARGV[(i - 5) * 2 + 2])
  for j = 1, free + lease do
    redis.call('ZADD', KEYS[i], now + hold, member .. ':' .. j)
    redis.call('ZADD', KEYS[i] .. ':' .. kind, now + hold, member .. ':' .. j)
  end
  redis.call('PEXPIRE', KEYS[i], dur + hold)
  redis.call('PEXPIRE', KEYS[i] .. ':' .. kind, dur + hold)
end
redis.call('INCRBY', KEYS[1] .. ':requests', free)
redis.call('INCRBY', KEYS[1] .. ':requests:' .. kind, free)
return {0, free, paused, lease}
`;

/**
 * Hands back requests whose answers were seen (ARGV[1]: "<kind>|<member>" words, see `ACQUIRE`):
 * each is scored now in every window log (KEYS) and its kind's, so it counts for one window more
 * (ARGV[2 + i]: the window's span), and the logs live at least that long. Leases that expired
 * unspent (ARGV[2], as ACQUIRE's `refund`) leave the logs.
 */
export const RELEASE = `${RESCORE}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] ~= '' then unlease(ARGV[2], 1) end
rescore(ARGV[1], now, 1, function(i) return tonumber(ARGV[2 + i]) end)
return 1
`;

/**
 * Sets "blocked until" to the later of what it holds and now + ARGV[1] ms, on Redis' clock (a
 * worker whose clock is off must not block the connection for hours); counts the refusal.
 */
export const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local untilMs = now + tonumber(ARGV[1])
if untilMs > cur then redis.call('SET', KEYS[1], untilMs, 'PX', math.max(1, untilMs - now + 1000)) end
redis.call('INCR', KEYS[1] .. ':429')
return 1
`;
