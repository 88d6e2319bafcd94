"""The flash-sale gate's Lua scripts (app/mall/gate.py runs them; docs/decisions/0703).

Each offer's gate is three keys under one hash tag: `stock` (what the gate may still hand
out), `users` (user id -> slots counted for that user) and `slots` (a sorted set: one
member per slot handed out and not yet finished, scored by the end of its lease, in
milliseconds of Redis's own clock). A slot is `<user id>:k:<idempotency key>` when the
request has a key (its retry finds it again) and `<user id>:r:<random>` otherwise.

The set is what lets the gate tell its own drift from a crowd: a slot whose lease ran out
belonged to a request that died between admission and the end of its transaction (a
killed worker runs no rollback callback), so its stock and user count are reclaimed; and
when the gate says "sold out", it is checked against what the database had left when the
request read the offer, minus the slots still leased.
"""

from __future__ import annotations

# Shared by every script. KEYS: stock, users, slots.
_PRELUDE = """
redis.replicate_commands()  -- TIME before writes (a no-op from Redis 7 on)
local stock_key, users_key, slots_key = KEYS[1], KEYS[2], KEYS[3]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function forget_user(user)
  if user and tonumber(redis.call('HINCRBY', users_key, user, -1)) <= 0 then
    redis.call('HDEL', users_key, user)
  end
end

-- A slot past its lease is a request that can no longer be running: give back its stock
-- and its user's count.
local function reclaim(now)
  local dead = redis.call('ZRANGEBYSCORE', slots_key, '-inf', now, 'LIMIT', 0, 100)
  for _, member in ipairs(dead) do
    redis.call('ZREM', slots_key, member)
    redis.call('INCR', stock_key)
    forget_user(string.match(member, '^(%d+):'))
  end
end

-- What the gate may hand out. "None" is checked against the database: what it had left
-- when this request read the offer, less the slots still leased, is the least the gate
-- can honestly claim (it may then over-state by what committed since: harmless, the
-- database refuses the extra).
local function available(now, db_stock)
  local stock = tonumber(redis.call('GET', stock_key))
  if stock > 0 then return stock end
  reclaim(now)
  stock = tonumber(redis.call('GET', stock_key))
  local floor = db_stock - redis.call('ZCARD', slots_key)
  if stock < floor then
    redis.call('SET', stock_key, floor, 'KEEPTTL')
    stock = floor
  end
  return stock
end

local function take(now, user, member, lease)
  redis.call('DECR', stock_key)
  redis.call('HINCRBY', users_key, user, 1)
  redis.call('ZADD', slots_key, now + lease, member)
  local ttl = redis.call('PTTL', stock_key)
  if ttl > 0 then
    redis.call('PEXPIRE', users_key, ttl)
    redis.call('PEXPIRE', slots_key, ttl)
  end
  return 1
end
"""

# ARGV: user id, per-user limit, slot member, lease ms, stock_left the request read.
# Returns 1 admitted, 0 sold out, -1 not built, -2 the gate counts the user at the limit
# (the caller confirms that against the database before answering it).
ADMIT = (
    _PRELUDE
    + """
if redis.call('EXISTS', stock_key) == 0 then return -1 end
local now = now_ms()
if redis.call('ZSCORE', slots_key, ARGV[3]) then
  -- The retry of a request whose worker died holding this very slot: it is ours again.
  redis.call('ZADD', slots_key, now + tonumber(ARGV[4]), ARGV[3])
  return 1
end
local used = tonumber(redis.call('HGET', users_key, ARGV[1]) or '0')
if used >= tonumber(ARGV[2]) then return -2 end
if available(now, tonumber(ARGV[5])) <= 0 then return 0 end
return take(now, ARGV[1], ARGV[3], tonumber(ARGV[4]))
"""
)

# The database said the user holds ARGV[2] < limit coupons, yet the gate counted them at
# the limit. ARGV: user id, count in the database, per-user limit, slot member, lease ms,
# stock_left the request read. Returns 1 admitted, 0 sold out, -1 not built.
REPAIR = (
    _PRELUDE
    + """
if redis.call('EXISTS', stock_key) == 0 then return -1 end
local now = now_ms()
reclaim(now)
local mine, count, oldest, oldest_at = {}, tonumber(ARGV[2]), nil, nil
local cursor = '0'
repeat
  local page = redis.call('ZSCAN', slots_key, cursor, 'MATCH', ARGV[1] .. ':*', 'COUNT', 100)
  cursor = page[1]
  for i = 1, #page[2], 2 do
    local member, at = page[2][i], tonumber(page[2][i + 1])
    if not mine[member] then
      mine[member] = true
      count = count + 1
      if not oldest or at < oldest_at then oldest, oldest_at = member, at end
    end
  end
until cursor == '0'
-- The user's true count: what committed, plus their slots still leased.
if count > 0 then redis.call('HSET', users_key, ARGV[1], count)
else redis.call('HDEL', users_key, ARGV[1]) end
if count < tonumber(ARGV[3]) then
  if available(now, tonumber(ARGV[6])) <= 0 then return 0 end
  return take(now, ARGV[1], ARGV[4], tonumber(ARGV[5]))
end
-- The rest of the limit is held by slots of this user that the database never saw
-- commit: a request that died (retried without its key) or one still running. Take over
-- the oldest; if its request is alive after all, the database refuses one of the two.
redis.call('ZREM', slots_key, oldest)
redis.call('ZADD', slots_key, now + tonumber(ARGV[5]), ARGV[4])
return 1
"""
)

# A rolled-back redemption gives its slot back. ARGV: member, user id, "1" to give the
# stock back, "1" to give the user's count back. A slot already reclaimed, taken over or
# dropped with a rebuild has nothing left to give.
RELEASE = (
    _PRELUDE
    + """
if redis.call('ZREM', slots_key, ARGV[1]) == 0 then return 0 end
if ARGV[3] == '1' and redis.call('EXISTS', stock_key) == 1 then
  redis.call('INCR', stock_key)
end
if ARGV[4] == '1' then forget_user(ARGV[2]) end
return 1
"""
)

# ARGV: ttl seconds, stock, then user/count pairs. Builds only if absent; slots of the
# previous gate are forgotten (the database's stock_left already counts what they sold).
BUILD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
"""
