"""The flash-sale gate: a Redis Lua script that sheds the crowd before the database.

For an offer with a sale start time, each redemption first asks Redis, in ONE atomic
script, whether stock is left and whether this resident is under the per-user limit, and
takes a slot if so. Only admitted requests reach the database, where the conditional
UPDATE on `offers.stock_left` and the per-user counter remain the authority: the gate can
only say "no" early, it can never make the database sell more than it has.

Consistency with the database:
- the gate is built from the database (stock_left and the per-user counters) when it is
  missing, and its keys expire after `GATE_TTL_SECONDS`, so any drift heals itself;
- a slot taken for a redemption that then rolls back is given back (after rollback);
- cancellations, stock edits, pauses drop the gate after commit; the next request
  rebuilds it;
- if Redis fails, `admit` answers UNAVAILABLE and the caller takes the database path
  alone (slower under a crowd, still exact). A failure opens a short circuit breaker
  so a dead Redis costs one timeout per worker, not one per request.
"""

from __future__ import annotations

import enum
import logging
import time

import redis
from sqlalchemy import select

from app.after_commit import after_transaction
from app.extensions import db, redis_client
from app.mall.models import Offer, OfferRedemptionCounter

log = logging.getLogger(__name__)

GATE_TTL_SECONDS = 60
BUILD_LOCK_SECONDS = 5
BREAKER_SECONDS = 5.0
_breaker_open_until = 0.0

# KEYS: stock, users. ARGV: user id, per-user limit.
# Returns 1 admitted, 0 sold out, -1 not built, -2 per-user limit reached.
ADMIT_SCRIPT = """
local stock = redis.call('GET', KEYS[1])
if not stock then return -1 end
if tonumber(stock) <= 0 then return 0 end
local used = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if used >= tonumber(ARGV[2]) then return -2 end
redis.call('DECR', KEYS[1])
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return 1
"""

# KEYS: stock, users. ARGV: user id, "1" to give the user's count back too. If the gate
# was rebuilt meanwhile this may over-state stock by one: harmless, the database decides.
RELEASE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('INCR', KEYS[1])
if ARGV[2] == '1' and tonumber(redis.call('HINCRBY', KEYS[2], ARGV[1], -1)) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return 1
"""

# KEYS: stock, users. ARGV: ttl, stock, then user/count pairs. Builds only if absent.
BUILD_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return 1
"""


class Admission(enum.Enum):
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    UNAVAILABLE = "unavailable"  # no gate answer: use the database path alone


def _keys(offer_id: int) -> list[str]:
    # One hash tag: both keys live in the same slot on a Redis Cluster.
    tag = f"{{mall:gate:{offer_id}}}"
    return [f"{tag}:stock", f"{tag}:users", f"{tag}:building"]


def _breaker_open() -> bool:
    return time.monotonic() < _breaker_open_until


def _trip_breaker(exc: Exception) -> None:
    global _breaker_open_until
    _breaker_open_until = time.monotonic() + BREAKER_SECONDS
    log.warning("flash-sale gate unavailable, using the database path: %s", exc)


def _build(offer: Offer) -> bool:
    """Load the gate from the committed database state; False if another worker is at it."""
    stock_key, users_key, lock_key = _keys(offer.id)
    if not redis_client.set(lock_key, "1", nx=True, ex=BUILD_LOCK_SECONDS):
        return False
    try:
        stock_left = db.session.scalar(select(Offer.stock_left).where(Offer.id == offer.id))
        counters = db.session.execute(
            select(OfferRedemptionCounter.user_id, OfferRedemptionCounter.redeemed).where(
                OfferRedemptionCounter.offer_id == offer.id, OfferRedemptionCounter.redeemed > 0
            )
        ).all()
        args: list = [GATE_TTL_SECONDS, stock_left]
        for row in counters:
            args.extend((row.user_id, row.redeemed))
        redis_client.eval(BUILD_SCRIPT, 2, stock_key, users_key, *args)
        return True
    finally:
        redis_client.delete(lock_key)


class GateSlot:
    """A slot the gate handed out. Unless told otherwise it is given back (stock and the
    user's count) when the transaction rolls back; it is simply kept on commit."""

    def __init__(self, offer_id: int, user_id: int) -> None:
        self.offer_id = offer_id
        self.user_id = user_id
        self._release_stock = True
        self._release_user = True
        after_transaction(on_rollback=self._on_rollback)

    def database_sold_out(self) -> None:
        """The database had no stock: keep the slot and stop admitting until a rebuild."""
        self._release_stock = self._release_user = False
        stock_key, _, _ = _keys(self.offer_id)
        try:
            redis_client.set(stock_key, 0, xx=True, keepttl=True)
        except redis.RedisError as exc:
            _trip_breaker(exc)

    def database_limit_reached(self) -> None:
        """The database said this user is at the limit: give back the stock only."""
        self._release_user = False

    def _on_rollback(self) -> None:
        if not self._release_stock:
            return
        stock_key, users_key, _ = _keys(self.offer_id)
        flag = "1" if self._release_user else "0"
        redis_client.eval(RELEASE_SCRIPT, 2, stock_key, users_key, self.user_id, flag)


def admit(offer: Offer, user_id: int) -> GateSlot | Admission:
    """Ask the gate for a slot: a GateSlot when admitted, else SOLD_OUT, LIMIT_REACHED or
    UNAVAILABLE (take the database path). Never raises."""
    if _breaker_open():
        return Admission.UNAVAILABLE
    stock_key, users_key, _ = _keys(offer.id)
    try:
        for _attempt in range(2):
            result = redis_client.eval(
                ADMIT_SCRIPT, 2, stock_key, users_key, user_id, offer.per_user_limit
            )
            if result != -1:
                break
            if not _build(offer):
                return Admission.UNAVAILABLE  # being built elsewhere: go to the database
        else:
            return Admission.UNAVAILABLE
    except redis.RedisError as exc:
        _trip_breaker(exc)
        return Admission.UNAVAILABLE
    if result == 1:
        return GateSlot(offer.id, user_id)
    return Admission.SOLD_OUT if result == 0 else Admission.LIMIT_REACHED


def drop_after_commit(offer_id: int) -> None:
    """Forget the gate once this transaction commits; the next request rebuilds it."""
    stock_key, users_key, _ = _keys(offer_id)
    after_transaction(on_commit=lambda: redis_client.delete(stock_key, users_key))
