"""The flash-sale gate: Redis Lua scripts that shed the crowd before the database.

For an offer with a sale start time, each redemption first asks Redis, in ONE atomic
script, whether stock is left and whether this resident is under the per-user limit, and
takes a slot if so. Only admitted requests reach the database, where the conditional
UPDATE on `offers.stock_left` and the per-user counter remain the authority: the gate can
only say "no" early, it can never make the database sell more than it has.

Consistency with the database (docs/decisions/0302, 0703):
- the gate is built from the database (stock_left and the per-user counters) when it is
  missing, and its keys expire after `GATE_TTL_SECONDS`, so any drift heals itself;
- a slot is given back when its transaction rolls back and forgotten when it commits;
  a slot whose worker died in between (no callback ever runs) is reclaimed once its
  lease (`SLOT_LEASE_SECONDS`) has run out, or taken over by the retry of the same
  request (same Idempotency-Key);
- "sold out" is checked against the stock_left the request already read (no extra
  query): less the slots still leased, that is the least the gate may claim;
- "limit reached" is confirmed against the database's per-user counter before it is
  answered; if the database says the resident is under the limit, the gate's count is
  repaired and the request goes on;
- cancellations, stock edits, pauses drop the gate after commit; the next request
  rebuilds it;
- if Redis fails, `admit` answers UNAVAILABLE and the caller takes the database path
  alone (slower under a crowd, still exact). A failure opens a short circuit breaker
  so a dead Redis costs one timeout per worker, not one per request.
"""

from __future__ import annotations

import enum
import logging
import secrets
import time

import redis
from redis.client import Pipeline
from sqlalchemy import select

from app.after_commit import after_transaction
from app.extensions import db, redis_client
from app.mall import gate_lua
from app.mall.models import Offer, OfferRedemptionCounter
from app.ops import metrics
from app.users import service as users

log = logging.getLogger(__name__)

GATE_TTL_SECONDS = 60
# A redemption holds its slot for milliseconds; one still running after this long is
# given up on. Reclaiming a live request's slot only lets one more request through to
# the database, which decides: the lease bounds how long a dead worker's slot can hold
# stock back, it is not what keeps the sale exact.
SLOT_LEASE_SECONDS = 10.0
BUILD_LOCK_SECONDS = 5
BREAKER_SECONDS = 5.0
_breaker_open_until = 0.0


class Admission(enum.Enum):
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"  # confirmed by the database's per-user counter
    UNAVAILABLE = "unavailable"  # no gate answer: use the database path alone


def _keys(offer_id: int) -> list[str]:
    # One hash tag: all the keys live in the same slot on a Redis Cluster.
    tag = f"{{mall:gate:{offer_id}}}"
    return [f"{tag}:stock", f"{tag}:users", f"{tag}:slots", f"{tag}:building"]


def _slot_member(user_id: int, idempotency_key: str | None) -> str:
    if idempotency_key:
        return f"{user_id}:k:{idempotency_key}"  # the retry of this request finds it again
    return f"{user_id}:r:{secrets.token_hex(8)}"


def _lease_ms() -> int:
    return int(SLOT_LEASE_SECONDS * 1000)


def _breaker_open() -> bool:
    return time.monotonic() < _breaker_open_until


def _trip_breaker(exc: Exception) -> None:
    global _breaker_open_until
    _breaker_open_until = time.monotonic() + BREAKER_SECONDS
    log.warning("flash-sale gate unavailable, using the database path: %s", exc)


def _build(offer: Offer) -> bool:
    """Load the gate from the committed database state; False if another worker is at it."""
    stock_key, users_key, slots_key, lock_key = _keys(offer.id)
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
        redis_client.eval(gate_lua.BUILD, 3, stock_key, users_key, slots_key, *args)
        return True
    finally:
        redis_client.delete(lock_key)


def _held_in_database(offer_id: int, user_id: int) -> int:
    # Counters are per person (docs/decisions/0701); the gate's own counts are per account,
    # so a re-registered person may pass the gate and be refused by the database instead.
    held = db.session.scalar(
        select(OfferRedemptionCounter.redeemed).where(
            OfferRedemptionCounter.offer_id == offer_id,
            OfferRedemptionCounter.user_id == users.person_key(user_id),
        )
    )
    return held or 0


class GateSlot:
    """A slot the gate handed out. Unless told otherwise it is given back (stock and the
    user's count) when the transaction rolls back; on commit it is forgotten (what it
    took stays taken)."""

    def __init__(self, offer_id: int, user_id: int, member: str) -> None:
        self.offer_id = offer_id
        self.user_id = user_id
        self.member = member
        self._release_stock = True
        self._release_user = True
        after_transaction(on_commit=self._on_commit, on_rollback=self._on_rollback, pipelined=True)

    def database_sold_out(self) -> None:
        """The database had no stock: say so in the gate; the stock is not given back."""
        self._release_stock = False
        stock_key = _keys(self.offer_id)[0]
        try:
            redis_client.set(stock_key, 0, xx=True, keepttl=True)
        except redis.RedisError as exc:
            _trip_breaker(exc)

    def database_limit_reached(self) -> None:
        """The database said this user is at the limit: give back the stock only."""
        self._release_user = False

    def _on_commit(self, pipe: Pipeline) -> None:
        pipe.zrem(_keys(self.offer_id)[2], self.member)

    def _on_rollback(self) -> None:
        flags = ("1" if self._release_stock else "0", "1" if self._release_user else "0")
        redis_client.eval(
            gate_lua.RELEASE, 3, *_keys(self.offer_id)[:3], self.member, self.user_id, *flags
        )


def admit(offer: Offer, user_id: int, idempotency_key: str | None = None) -> GateSlot | Admission:
    """Ask the gate for a slot: a GateSlot when admitted, else SOLD_OUT, LIMIT_REACHED (the
    database's counter agrees) or UNAVAILABLE (take the database path). `offer` is the
    row the request read: its stock_left checks a "sold out". Never raises on a Redis
    failure (database errors of the limit check propagate as usual)."""
    answer = _admit(offer, user_id, idempotency_key)
    metrics.GATE_ANSWERS.labels("admitted" if isinstance(answer, GateSlot) else answer.value).inc()
    return answer


def _admit(offer: Offer, user_id: int, idempotency_key: str | None) -> GateSlot | Admission:
    if _breaker_open():
        return Admission.UNAVAILABLE
    keys = _keys(offer.id)[:3]
    member = _slot_member(user_id, idempotency_key)
    lease, limit = _lease_ms(), offer.per_user_limit
    try:
        for _attempt in range(2):
            result = redis_client.eval(
                gate_lua.ADMIT, 3, *keys, user_id, limit, member, lease, offer.stock_left
            )
            if result != -1:
                break
            if not _build(offer):
                return Admission.UNAVAILABLE  # being built elsewhere: go to the database
        else:
            return Admission.UNAVAILABLE
        if result == -2:
            held = _held_in_database(offer.id, user_id)
            if held >= limit:
                return Admission.LIMIT_REACHED
            # The gate counts slots the database never saw commit (a worker killed mid
            # redemption): repair the user's count and go on.
            result = redis_client.eval(
                gate_lua.REPAIR, 3, *keys, user_id, held, limit, member, lease, offer.stock_left
            )
            if result == -1:
                return Admission.UNAVAILABLE  # expired meanwhile: the database decides
    except redis.RedisError as exc:
        _trip_breaker(exc)
        return Admission.UNAVAILABLE
    if result == 1:
        return GateSlot(offer.id, user_id, member)
    return Admission.SOLD_OUT


def drop_after_commit(offer_id: int) -> None:
    """Forget the gate once this transaction commits; the next request rebuilds it."""
    keys = _keys(offer_id)[:3]
    after_transaction(on_commit=lambda: redis_client.delete(*keys))
