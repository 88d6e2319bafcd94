"""Carbon leaderboards in Redis sorted sets (score = approved carbon in mg).

Keys: `carbon:lb:week:<ISO week>`, `carbon:lb:month:<YYYY-MM>`, `carbon:lb:all`, with
weeks and months taken in Asia/Shanghai. Increments are queued on the database session
and applied only after the transaction commits, so a rolled-back approval never shows;
should Redis miss one anyway, `flask carbon rebuild-leaderboard` recomputes every board
from the approved records (the source of truth); the scheduler rebuilds them nightly and
at once when Redis has lost them (restarted empty, flushed): each rebuild leaves a marker
key, `carbon:lb-meta:built`, whose absence says the boards are not whole
(`leaderboards_missing`, docs/decisions/0951).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections import defaultdict
from datetime import date

import redis
from redis.client import Pipeline
from sqlalchemy import func, select

from app.after_commit import batch_after_commit
from app.carbon.models import RECORD_APPROVED, CarbonRecord
from app.carbon.rules import mg_to_g, month_key, shanghai_day, week_key
from app.db import utcnow
from app.errors import ServiceUnavailable
from app.extensions import db, redis_client
from app.users import service as users

log = logging.getLogger(__name__)

PREFIX = "carbon:lb:"
# Where a rebuild writes before swapping in (outside PREFIX, so never read as a board).
STAGING_PREFIX = "carbon:lb-rebuild:"
_STAGING_TTL_SECONDS = 3600
# Outside PREFIX too: not a board (scans of the boards never see it). No TTL, like `all`.
BUILT_KEY = "carbon:lb-meta:built"
_REBUILD_BATCH = 5000
PERIODS = ("week", "month", "all")
TTL_SECONDS = {"week": 70 * 86400, "month": 400 * 86400}
_PENDING = "carbon_leaderboard_pending"


def board_keys(day: date) -> dict[str, str]:
    """The three boards a record of `day` counts on."""
    return {
        "week": f"{PREFIX}week:{week_key(day)}",
        "month": f"{PREFIX}month:{month_key(day)}",
        "all": f"{PREFIX}all",
    }


def queue_increment(user_id: int, day: date, carbon_mg: int) -> None:
    """Add carbon to a resident's boards once the current transaction commits (a
    transaction's increments in one pipeline; none from a savepoint that rolled back,
    app/after_commit.py)."""
    if carbon_mg:
        batch_after_commit(_PENDING, (user_id, day, carbon_mg), _apply)


# KEYS: the boards; ARGV: each board's TTL (0: none), then (board index, carbon mg,
# member) triples. One command for a transaction's increments, however many.
_INCREMENT_LUA = """
local boards = #KEYS
for i = boards + 1, #ARGV, 3 do
  redis.call('ZINCRBY', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
end
for i = 1, boards do
  if ARGV[i] ~= '0' then redis.call('EXPIRE', KEYS[i], ARGV[i]) end
end
return boards
"""


def _apply(pipe: Pipeline, increments: list[tuple[int, date, int]]) -> None:
    """Add the increments to the commit's pipeline (if Redis misses them, the database has
    them and `flask carbon rebuild-leaderboard` restores the boards)."""
    boards: dict[str, int] = {}  # key -> its 1-based index in KEYS
    ttls: list[int] = []
    totals: defaultdict[tuple[int, str], int] = defaultdict(int)
    for user_id, day, carbon_mg in increments:
        for period, key in board_keys(day).items():
            if key not in boards:
                boards[key] = len(boards) + 1
                ttls.append(TTL_SECONDS.get(period, 0))
            totals[(boards[key], str(user_id))] += carbon_mg
    triples = [value for (index, member), mg in totals.items() for value in (index, mg, member)]
    pipe.eval(_INCREMENT_LUA, len(boards), *boards, *ttls, *triples)


def remove_user(user_id: int) -> None:
    """Take a resident off every board (account deletion); a rebuild also leaves them out."""
    try:
        for key in redis_client.scan_iter(match=PREFIX + "*", count=500):
            redis_client.zrem(key, str(user_id))
    except redis.RedisError as exc:
        log.warning("could not remove user from leaderboards: %s", exc)


def get_leaderboard(period: str, user_id: int, limit: int = 20) -> dict:
    """Top residents of this week / month / all time by carbon, and the caller's place.

    Raises ServiceUnavailable (503 `leaderboard_unavailable`) when Redis is down.
    """
    key = board_keys(shanghai_day(utcnow()))[period]
    try:
        top = redis_client.zrevrange(key, 0, limit - 1, withscores=True)
        my_rank = redis_client.zrevrank(key, str(user_id))
        my_score = redis_client.zscore(key, str(user_id))
    except redis.RedisError:
        raise ServiceUnavailable("排行榜暂时不可用", reason="leaderboard_unavailable") from None
    profiles = users.public_profiles([int(member) for member, _ in top])
    items = [
        {"rank": position + 1, **profiles[int(member)], "carbon_g": mg_to_g(int(score))}
        for position, (member, score) in enumerate(top)
        if int(member) in profiles
    ]
    me = {
        "rank": my_rank + 1 if my_rank is not None else None,
        "carbon_g": mg_to_g(int(my_score or 0)),
    }
    return {"period": period, "items": items, "me": me}


def rebuild_leaderboards() -> int:
    """Recompute every board from approved records; returns the number of keys written.

    Streams: the per-(resident, day) sums are read in batches, in resident order, written
    to staging keys, and swapped in at the end in one MULTI (RENAME), so memory stays
    flat however many residents there are and readers never see a half-built board.
    Raises redis.RedisError when Redis is down.
    """
    today = shanghai_day(utcnow())
    staging = f"{STAGING_PREFIX}{secrets.token_hex(6)}:"
    written: set[str] = set()
    pending: dict[str, dict[str, int]] = defaultdict(dict)
    try:
        current: int | None = None
        mine: dict[str, int] = defaultdict(int)
        for user_id, day, carbon_mg in db.session.execute(
            select(CarbonRecord.user_id, CarbonRecord.day, func.sum(CarbonRecord.carbon_mg))
            .where(CarbonRecord.status == RECORD_APPROVED)
            .group_by(CarbonRecord.user_id, CarbonRecord.day)
            .order_by(CarbonRecord.user_id)
            .execution_options(yield_per=_REBUILD_BATCH)
        ):
            if user_id != current:
                _stage(pending, current, mine)
                current, mine = user_id, defaultdict(int)
                if sum(len(scores) for scores in pending.values()) >= _REBUILD_BATCH:
                    written |= _flush_staged(staging, pending)
            for period, key in board_keys(day).items():
                # Boards that would have expired by now are not brought back.
                if period in TTL_SECONDS and (today - day).days * 86400 > TTL_SECONDS[period]:
                    continue
                mine[key] += int(carbon_mg or 0)
        _stage(pending, current, mine)
        written |= _flush_staged(staging, pending)
        old_keys = set(redis_client.scan_iter(match=PREFIX + "*", count=1000))
        pipe = redis_client.pipeline(transaction=True)
        for key in old_keys - written:
            pipe.delete(key)
        for key in written:
            pipe.rename(staging + key, key)
            period = key.removeprefix(PREFIX).split(":")[0]
            if period in TTL_SECONDS:
                pipe.expire(key, TTL_SECONDS[period])
            else:
                pipe.persist(key)
        pipe.set(BUILT_KEY, utcnow().isoformat())
        pipe.execute()
    except BaseException:
        with contextlib.suppress(redis.RedisError):
            for key in redis_client.scan_iter(match=staging + "*", count=1000):
                redis_client.delete(key)
        raise
    return len(written)


def leaderboards_missing() -> bool:
    """True when Redis holds no rebuilt boards (it restarted empty or was flushed since the
    last rebuild), so what it has is at most the increments since. Raises
    redis.RedisError when Redis is down."""
    return not redis_client.exists(BUILT_KEY)


def _stage(pending: dict, user_id: int | None, scores: dict[str, int]) -> None:
    for key, carbon_mg in scores.items():
        if carbon_mg:
            pending[key][str(user_id)] = carbon_mg


def _flush_staged(staging: str, pending: dict[str, dict[str, int]]) -> set[str]:
    """Write one batch to the staging keys, leaving out deleted residents."""
    members = {int(m) for scores in pending.values() for m in scores}
    live = {str(uid) for uid in users.public_nicknames(sorted(members))}
    pipe = redis_client.pipeline(transaction=False)
    keys = set()
    for key, scores in pending.items():
        kept = {member: score for member, score in scores.items() if member in live}
        if kept:
            pipe.zadd(staging + key, kept)
            pipe.expire(staging + key, _STAGING_TTL_SECONDS)
            keys.add(key)
    pipe.execute()
    pending.clear()
    return keys
