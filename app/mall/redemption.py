"""Redeeming an offer: one database transaction that takes a per-user slot, issues the
coupon, debits the points through the ledger and takes stock, or does none of it.

Order of the locks (the same for every redemption and cancellation, so they never wait
in a cycle): the resident's counter row (conditional upsert), the ledger accounts, then
the offer row (conditional stock decrement) last, because every buyer of the offer
queues on it: it is held for the commit only (docs/decisions/0606). On SQLite BEGIN
IMMEDIATE serialises writers anyway. For flash
sales the Redis gate answers first and turns most of a crowd away without the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.db import table_of, utcnow
from app.errors import AppError
from app.extensions import db
from app.ledger import service as ledger
from app.ledger.errors import LedgerInvariantBroken
from app.mall import catalog, gate, sold_out
from app.mall.codes import coupon_validity, new_code, new_short_code
from app.mall.display import describe_coupons
from app.mall.errors import LimitReached, OfferNotFound, OfferNotLive, OutOfStock
from app.mall.models import COUPON_ISSUED, OFFER_LIVE, Coupon, Offer, OfferRedemptionCounter
from app.merchants import service as merchants
from app.ops import metrics
from app.sql import attach_inserted, execute_built, execute_prepared
from app.users import service as users

_counters = table_of(OfferRedemptionCounter)
_coupons = table_of(Coupon)


@dataclass(frozen=True)
class Redemption:
    coupon: Coupon
    offer: Offer
    points_balance: int


def redeem_offer(
    user_id: int,
    offer_id: int,
    *,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
    sold_out_marker: sold_out.Read | None = None,
) -> Redemption:
    """Buy one coupon of a live offer with points. `sold_out_marker`: the offer's
    sold-out marker, read before the transaction's first query (app/mall/sold_out.py).

    Raises AccountFrozen (403 `account_frozen`), OfferNotFound (404), OfferNotLive,
    OutOfStock, LimitReached, InsufficientPoints (all 409), IdempotencyKeyReused (422, from
    the ledger).
    """
    try:
        marker = sold_out_marker or sold_out.read_late(offer_id)
        redemption = _redeem(user_id, offer_id, idempotency_key, request_hash, marker)
    except AppError as exc:  # counted as answered: the refusal's reason
        metrics.REDEMPTIONS.labels(exc.reason).inc()
        raise
    metrics.count_after_commit(metrics.REDEMPTIONS, outcome="redeemed")
    return redemption


def refuse_if_sold_out(marker: sold_out.Read) -> None:
    """The offer's sold-out marker, read before the request's first query, is current:
    raises OutOfStock (409), counted as `redeem_offer` counts it; nothing when it is not.
    The Idempotency-Key calls it before claiming the key (app/mall/api.py)."""
    if sold_out.known(marker):
        metrics.REDEMPTIONS.labels(OutOfStock.reason).inc()
        raise OutOfStock()


def _redeem(
    user_id: int, offer_id: int, idempotency_key: str | None, request_hash: str | None,
    marker: sold_out.Read,
) -> Redemption:  # fmt: skip
    if sold_out.known(marker):  # before any query: the crowd after the last unit
        raise OutOfStock()
    users.require_not_frozen(user_id)
    now = utcnow()
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    catalog.check_sellable(offer, now)
    # Cheap early answers from what was just read, before any lock is taken. They can
    # only refuse; the conditional UPDATEs and the ledger's debit below are the authority.
    if offer.stock_left <= 0:
        sold_out.remember(offer, marker, now)
        raise OutOfStock()
    if (ledger.read_accounts_ahead(user_id) or 0) < offer.points_price:
        raise ledger.InsufficientPoints()
    slot = None
    if offer.is_flash_sale:
        admission = gate.admit(offer, user_id, idempotency_key)
        if admission is gate.Admission.SOLD_OUT:
            raise OutOfStock()
        if admission is gate.Admission.LIMIT_REACHED:  # the database's counter agreed
            raise LimitReached()
        if isinstance(admission, gate.GateSlot):
            slot = admission
    # Still before the first write: the ledger shard and where the coupon is used.
    ledger.read_accounts_ahead(user_id, "redemptions")
    places = merchants.merchant_places({offer.merchant_id})
    # Lock order (the same in cancellation): per-user counter, ledger accounts, offer row.
    # The offer row is every buyer's hot spot, so it is taken last and held only for the
    # commit; an answer that fails on it rolls back everything before it.
    if not _claim_user_slot(offer.id, user_id, offer.per_user_limit):
        if slot is not None:
            slot.database_limit_reached()
        raise LimitReached()
    coupon = _issue_coupon(offer, user_id, now)
    txn = ledger.spend_points(
        user_id,
        offer.points_price,
        code="redemption",
        reference=f"coupon:{coupon.id}",
        memo=f"兑换 {offer.title} -{offer.points_price}"[:200],
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    _link_transaction(coupon, txn.id)
    # Everything the answer needs is written and read before the offer row is taken, so
    # that row is held for the commit only (on PostgreSQL every buyer queues on it).
    describe_coupons([coupon], offer, places)
    balance = ledger.get_points_balance(user_id)  # what the posting left: no query
    if not _take_stock(offer.id):
        status = db.session.scalar(select(Offer.status).where(Offer.id == offer.id))
        if status != OFFER_LIVE or merchants.is_merchant_frozen(offer.merchant_id):
            raise OfferNotLive()
        if slot is not None:
            slot.database_sold_out()
        raise OutOfStock()
    catalog.invalidate_after_commit()  # residents see the new stock_left
    return Redemption(coupon, offer, balance)


def _link_transaction(coupon: Coupon, txn_id: int) -> None:
    """Write the coupon's redemption transaction (a Core UPDATE built once, no flush) and
    show it on the loaded coupon as written. The coupon's row was inserted by a Core
    statement already (`_issue_coupon`); an UPDATE that found no row would leave a coupon
    nobody could refund, so it is refused (500, rolled back) rather than committed."""
    linked = execute_prepared(
        "mall.link_coupon", _link_statement, {"coupon_id": coupon.id, "txn_id": txn_id}
    )
    if linked.rowcount != 1:
        raise LedgerInvariantBroken()
    set_committed_value(coupon, "redemption_txn_id", txn_id)


def _link_statement():
    return (
        update(_coupons)
        .where(_coupons.c.id == bindparam("coupon_id"))
        .values(redemption_txn_id=bindparam("txn_id"))
    )


def _take_stock(offer_id: int) -> bool:
    result = execute_prepared("mall.take_stock", _take_stock_statement, {"offer_id": offer_id})
    return result.rowcount == 1


def _take_stock_statement():
    offers = table_of(Offer)
    return (
        update(offers)
        .where(
            offers.c.id == bindparam("offer_id"),
            offers.c.stock_left > 0,
            offers.c.status == OFFER_LIVE,
            # A take-down or a merchant's freeze committed before this statement wins.
            offers.c.merchant_id.in_(merchants.active_merchant_ids_filter()),
        )
        .values(stock_left=offers.c.stock_left - 1)
    )


def _claim_user_slot(offer_id: int, user_id: int, limit: int) -> bool:
    """+1 on the resident's counter unless it is at the limit (one upsert statement).

    The counter is the person's (`users.person_key`), so a re-registered account continues
    the deleted one's count (docs/decisions/0701)."""
    values = {"offer_id": offer_id, "user_id": user_id, "limit": limit}
    return execute_built("mall.claim_user_slot", _claim_statement, values).first() is not None


def _claim_statement(insert):
    upsert = insert(_counters).values(
        offer_id=bindparam("offer_id", type_=Integer),
        user_id=users.person_key(bindparam("user_id", type_=Integer)),
        redeemed=1,
    )
    return upsert.on_conflict_do_update(
        index_elements=[_counters.c.offer_id, _counters.c.user_id],
        set_={"redeemed": _counters.c.redeemed + 1},
        where=_counters.c.redeemed < bindparam("limit", type_=Integer),
    ).returning(_counters.c.redeemed)  # RETURNING, not rowcount: psycopg has none for upserts


def release_user_slot(offer_id: int, user_id: int) -> None:
    """A cancelled coupon gives its per-user slot back."""
    db.session.execute(
        update(_counters)
        .where(
            _counters.c.offer_id == offer_id,
            _counters.c.user_id == users.person_key(user_id),
            _counters.c.redeemed > 0,
        )
        .values(redeemed=_counters.c.redeemed - 1)
    )


def _issue_coupon(offer: Offer, user_id: int, now: datetime) -> Coupon:
    """Insert the coupon (one Core statement on the request's connection, no savepoint
    and no flush: the hot write path of a flash sale, issue 13) and attach it as loaded."""
    valid_from, expires_at = coupon_validity(offer, now)
    for _attempt in range(8):
        # Every column, the ORM's defaults included, so the attached object is the row.
        values = {
            "offer_id": offer.id,
            "merchant_id": offer.merchant_id,
            "user_id": user_id,
            "code": new_code(),
            "short_code": new_short_code(),
            "status": COUPON_ISSUED,
            "points_price": offer.points_price,
            "settlement_value_fen": offer.settlement_value_fen,
            "valid_from": valid_from,
            "expires_at": expires_at,
            "redemption_txn_id": None,
            "refund_txn_id": None,
            "used_at": None,
            "verified_by": None,
            "cancelled_at": None,
            "expired_at": None,
            "created_at": now,
        }
        coupon_id = execute_built("mall.issue_coupon", _issue_statement, values).scalar()
        if coupon_id is not None:
            coupon = Coupon(id=int(coupon_id), **values)
            attach_inserted(coupon)  # leaves the session if the redemption rolls back
            return coupon
        # Nothing inserted: a drawn value is taken (the short code at this merchant; the
        # 160-bit code in theory), so draw again.
    raise RuntimeError("could not draw a free short code")  # pragma: no cover


def _issue_statement(insert):
    # No conflict target on purpose: the coupons' unique keys are the id, the code and
    # (merchant, short code), all drawn here, so a clash on any of them means "draw
    # again", never an error to hide (tests/mall/test_coupon_insert.py pins that list).
    # Other refusals (a foreign key, a NOT NULL) are not conflicts and still raise.
    return insert(_coupons).on_conflict_do_nothing().returning(_coupons.c.id)
