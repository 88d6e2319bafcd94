"""Read-through caches in Redis that a commit invalidates: generation-tagged values.

A cached value is stored as `<generation>|<payload>` next to a generation counter. A
reader fetches both in one round trip (MGET) and uses the value only if its tag equals
the current generation. A writer bumps the generation once its transaction commits
(`bump_after_commit`), so the next read misses and rebuilds from the database.

Why tags instead of deleting keys: a reader that loaded the old rows just before the
commit may store them just after the bump; its value carries the generation it read
*before* loading, which is already stale, so nobody uses it. If Redis is down, reads
go to the database and writers' bumps are lost; a TTL bounds how long a value written
before such an outage can be served afterwards.

Generation counters expire too (GENERATION_TTL_SECONDS after their last bump, longer
than any value's TTL), so a city of residents does not leave a counter per resident in
Redis forever. A counter that expired restarts at "0" only after every value tagged
with an older generation has expired, so an old tag can never match again.

`read_chained` reads a value and, in the same round trip, a second value whose keys
depend on who the first one names (a session, then that user's cached answer): one Lua
script (EVALSHA) instead of two MGETs one after the other. Both session reads also bring
one plain value along (`also`: the reference stamp, app/reference_cache.py).
"""

from __future__ import annotations

import contextlib
import hashlib

import redis
from redis.client import Pipeline

from app.after_commit import after_transaction
from app.extensions import db, redis_client

MAX_VALUE_TTL_SECONDS = 3600
GENERATION_TTL_SECONDS = 2 * MAX_VALUE_TTL_SECONDS
_PENDING = "cache_generations_to_bump"
USER_GENERATION = "gen:user:{uid}"
OWNER = "{uid}"  # in read_chained's second keys: the user id the first value names

# KEYS: the first value's generation and key; ARGV: the second value's generation and key
# with "{uid}" standing for the `uid` of the first value's payload (a JSON object). The
# second pair is read only when the first value is current (tagged with its generation),
# so it always belongs to the user that value names. Its keys are computed here, not
# declared: fine on one Redis (what we run, with or without Sentinel); Redis Cluster
# would need them in the first value's hash slot.
# KEYS[3]: a value read along (`also`), returned first.
_CHAINED_LUA = """
local first = redis.call('MGET', KEYS[1], KEYS[2], KEYS[3])
local also, generation, value = first[3] or false, first[1] or '0', first[2]
if not value then return {also, generation, false} end
local tag, payload = string.match(value, '^([^|]*)|(.*)$')
if tag ~= generation then return {also, generation, value} end
local ok, decoded = pcall(cjson.decode, payload)
if not ok or type(decoded) ~= 'table' or type(decoded['uid']) ~= 'number' then
  return {also, generation, value}
end
local uid = string.format('%d', decoded['uid'])
local second = redis.call('MGET', (string.gsub(ARGV[1], '{uid}', uid)),
                          (string.gsub(ARGV[2], '{uid}', uid)))
return {also, generation, value, uid, second[1] or '0', second[2] or false}
"""
_CHAINED_SHA = hashlib.sha1(_CHAINED_LUA.encode(), usedforsecurity=False).hexdigest()


def user_generation_key(user_id: int) -> str:
    """The generation of everything cached about one user's points and carbon records
    (bumped by every ledger posting on their account and every change to their records)."""
    return USER_GENERATION.format(uid=user_id)


def read(generation_key: str, value_key: str) -> tuple[str | None, str | None]:
    """(current generation, payload if the cached value is current). (None, None) when
    Redis cannot be reached: the caller reads the database and caches nothing."""
    generation, value, _ = read_raw(generation_key, value_key)
    return generation, current_payload(generation, value)


def read_raw(
    generation_key: str, value_key: str, also: str | None = None
) -> tuple[str | None, str | None, str | None]:
    """(current generation, the stored value as it is, tagged or not, the value under
    `also` if asked for); (None, None, None) when Redis cannot be reached. For callers
    that also keep untagged markers under the key."""
    keys = (generation_key, value_key) if also is None else (generation_key, value_key, also)
    try:
        generation, value, *along = redis_client.mget(*keys)
    except redis.RedisError:
        return None, None, None
    return generation or "0", value, along[0] if along else None


def read_chained(
    generation_key: str, value_key: str, also: str, then_generation: str, then_key: str
) -> tuple[str | None, str | None, str | None, tuple[int, str, str | None] | None]:
    """One round trip: what `read_raw(generation_key, value_key, also)` returns and, when
    that value is current and its payload names a `uid`, `(uid, generation, current payload
    or None)` of the second value, whose keys are `then_generation` / `then_key` with OWNER
    replaced by that uid (else None: the second value was not read). (None, None, None,
    None) when Redis cannot be reached."""
    keys = (generation_key, value_key, also, then_generation, then_key)
    try:
        try:
            reply = redis_client.evalsha(_CHAINED_SHA, 3, *keys)
        except redis.exceptions.NoScriptError:  # a restarted Redis forgot the script
            reply = redis_client.eval(_CHAINED_LUA, 3, *keys)
    except redis.RedisError:
        return None, None, None, None
    along, generation, value = reply[0] or None, reply[1], reply[2]
    if len(reply) < 6:
        return generation, value, along, None
    second_generation = reply[4]
    return (
        generation,
        value,
        along,
        (int(reply[3]), second_generation, current_payload(second_generation, reply[5])),
    )


def current_payload(generation: str | None, value: str | None) -> str | None:
    """The payload of a stored value if it was tagged with `generation`, else None."""
    if generation is None or value is None:
        return None
    tag, _, payload = value.partition("|")
    return payload if tag == generation else None


def write(value_key: str, generation: str | None, payload: str, ttl_seconds: int) -> None:
    """Store `payload` as current for `generation` (the one `read` returned)."""
    if generation is None:
        return
    ttl_seconds = min(ttl_seconds, MAX_VALUE_TTL_SECONDS)
    with contextlib.suppress(redis.RedisError):
        redis_client.set(value_key, f"{generation}|{payload}", ex=ttl_seconds)


def bump_after_commit(*generation_keys: str) -> None:
    """Once this transaction commits, every value cached under these generations is stale.

    Keys are gathered per transaction (a check-in names its resident three times: the
    record, its approval, the posting) and bumped once each, by one script in the commit's
    shared pipeline (app/after_commit.py)."""
    pending = db.session.info.get(_PENDING)
    if pending is None:
        pending = db.session.info[_PENDING] = set()
        after_transaction(on_commit=_bump_pending, on_rollback=_drop_pending, pipelined=True)
    pending.update(generation_keys)


# KEYS: generation counters; ARGV[1]: their TTL. One command for any number of keys: a
# partner batch bumps 500 residents' generations without 1,000 commands to pack and parse.
_BUMP_LUA = """
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
return #KEYS
"""


def _bump_pending(pipe: Pipeline) -> None:
    keys = db.session.info.pop(_PENDING, ())
    if keys:
        pipe.eval(_BUMP_LUA, len(keys), *keys, GENERATION_TTL_SECONDS)


def _drop_pending() -> None:
    db.session.info.pop(_PENDING, None)
