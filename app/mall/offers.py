"""Offer management by merchants: create, edit, pause and resume (what operators do is in
app/mall/offer_review.py: approve, reject, take down, put back).

Changing the terms of an offer (price, limit, validity, policies, settlement value, texts)
sends it back to review, and is refused while it is live: a resident must never pay a
price that no operator approved. Stock can change in any state, by one conditional
UPDATE that keeps `stock_left` >= 0 (it cannot drop below what was already redeemed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.db import utcnow
from app.errors import Conflict, Unprocessable
from app.extensions import db
from app.mall.errors import OfferLive, OfferNotFound, OfferTakenDown, StockBelowIssued
from app.mall.models import (
    OFFER_LIVE,
    OFFER_PAUSED,
    OFFER_PENDING,
    OFFER_REJECTED,
    OFFER_TAKEN_DOWN,
    Offer,
)
from app.mall.offer_review import approve_offer, reject_offer  # noqa: F401  (seeds, benches)
from app.mall.offer_state import changed, set_status
from app.merchants import service as merchants
from app.pagination import paginate_desc

TERM_FIELDS = (
    "title", "description", "points_price", "per_user_limit", "valid_days", "valid_from",
    "valid_until", "sale_starts_at", "sale_ends_at", "cancel_policy", "expiry_policy",
    "settlement_value_fen",
)  # fmt: skip


def _validate_terms(values: dict, now: datetime) -> None:
    """Cross-field rules; raises Unprocessable (422 `validation_error`) with `errors`."""
    errors: dict[str, list[str]] = {}
    has_days = values.get("valid_days") is not None
    has_until = values.get("valid_until") is not None
    if has_days == has_until:
        errors["valid_days"] = ["请设置 valid_days（领取后天数）或 valid_until（固定有效期）之一"]
    if values.get("valid_from") is not None:
        if not has_until:
            errors["valid_from"] = ["valid_from 只能与 valid_until 一起使用"]
        elif values["valid_from"] >= values["valid_until"]:
            errors["valid_from"] = ["valid_from 须早于 valid_until"]
    if has_until and values["valid_until"] <= now:
        errors["valid_until"] = ["valid_until 须晚于当前时间"]
    starts, ends = values.get("sale_starts_at"), values.get("sale_ends_at")
    if ends is not None and ends <= (starts or now):
        errors["sale_ends_at"] = ["sale_ends_at 须晚于开售时间与当前时间"]
    if errors:
        raise Unprocessable("请求内容无效", errors=errors)


def create_offer(owner_user_id: int, data: dict) -> Offer:
    """A new offer of the owner's merchant, waiting for an operator's review.

    Raises NotMerchantStaff, NotMerchantOwner (403), Unprocessable (422).
    """
    membership = merchants.require_owner(owner_user_id)
    terms = {field: data.get(field) for field in TERM_FIELDS if field in data}
    _validate_terms(terms, utcnow())
    offer = Offer(
        merchant_id=membership.merchant_id,
        stock_total=data["stock"],
        stock_left=data["stock"],
        status=OFFER_PENDING,
        created_by=owner_user_id,
        **terms,
    )
    db.session.add(offer)
    db.session.flush()
    return offer


def get_merchant_offer(staff_user_id: int, offer_id: int) -> Offer:
    """One offer of the caller's merchant (another merchant's offer is not found).

    Raises NotMerchantStaff (403), OfferNotFound (404).
    """
    membership = merchants.require_staff(staff_user_id)
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.merchant_id != membership.merchant_id:
        raise OfferNotFound()
    return offer


def list_merchant_offers(
    staff_user_id: int, status: str | None, limit: int, cursor: str | None
) -> tuple[list[Offer], str | None]:
    """One page of the caller's merchant's offers, newest first.

    Raises NotMerchantStaff (403), InvalidCursor (400).
    """
    membership = merchants.require_staff(staff_user_id)
    stmt = select(Offer).where(Offer.merchant_id == membership.merchant_id)
    if status:
        stmt = stmt.where(Offer.status == status)
    return paginate_desc(stmt, Offer.id, limit, cursor)


def _owned_offer(owner_user_id: int, offer_id: int) -> Offer:
    """The offer, if the caller owns its merchant. Raises NotMerchantStaff,
    NotMerchantOwner (403), OfferNotFound (404)."""
    merchants.require_owner(owner_user_id)
    return get_merchant_offer(owner_user_id, offer_id)


def update_offer(owner_user_id: int, offer_id: int, changes: dict) -> Offer:
    """Edit an offer. New terms need a new review (refused while live: pause first);
    `stock` (the new total) may change in any state.

    Raises NotMerchantStaff, NotMerchantOwner, OfferNotFound, OfferLive (409
    `offer_live`), OfferTakenDown (409 `offer_taken_down`: an operator took it off sale),
    StockBelowIssued (409 `stock_below_issued`), Unprocessable (422).
    """
    offer = _owned_offer(owner_user_id, offer_id)
    terms = {f: changes[f] for f in TERM_FIELDS if f in changes and changes[f] != getattr(offer, f)}
    if terms:
        _raise_if_locked(offer.status)
        _validate_terms({f: getattr(offer, f) for f in TERM_FIELDS} | terms, utcnow())
        # Conditional: an approval or a take-down racing this edit cannot leave new terms
        # live unreviewed, nor bring a taken-down offer back to review.
        result = db.session.execute(
            update(Offer)
            .where(Offer.id == offer.id, Offer.status.not_in((OFFER_LIVE, OFFER_TAKEN_DOWN)))
            .values(**terms, status=OFFER_PENDING, approved_at=None, approved_by=None)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(offer)
        if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
            _raise_if_locked(offer.status)
            raise Conflict("商品状态已变化，请刷新后重试", reason="offer_state_changed")
    if "stock" in changes and changes["stock"] != offer.stock_total:
        _set_stock_total(offer, changes["stock"])
    if terms or "stock" in changes:
        changed(offer)
    db.session.flush()
    return offer


def _raise_if_locked(status: str) -> None:
    if status == OFFER_LIVE:
        raise OfferLive()
    if status == OFFER_TAKEN_DOWN:
        raise OfferTakenDown()


def _set_stock_total(offer: Offer, total: int) -> None:
    delta = Offer.stock_left + (total - Offer.stock_total)
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, delta >= 0)
        .values(stock_left=delta, stock_total=total)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise StockBelowIssued()
    db.session.refresh(offer)


def pause_offer(owner_user_id: int, offer_id: int) -> Offer:
    """Stop redemptions (live or pending -> paused; paused stays paused).

    Raises NotMerchantStaff, NotMerchantOwner, OfferNotFound, OfferTakenDown (409
    `offer_taken_down`), Conflict (`offer_not_pausable` for a rejected offer).
    """
    offer = _owned_offer(owner_user_id, offer_id)
    if offer.status == OFFER_TAKEN_DOWN:
        raise OfferTakenDown()
    if offer.status == OFFER_REJECTED:
        raise Conflict("已驳回的商品无需暂停", reason="offer_not_pausable")
    if offer.status != OFFER_PAUSED:
        set_status(offer, (OFFER_LIVE, OFFER_PENDING), OFFER_PAUSED)
    return offer


def resume_offer(owner_user_id: int, offer_id: int) -> Offer:
    """Put a paused offer back: live again if its terms are approved, else to review.

    Raises NotMerchantStaff, NotMerchantOwner, OfferNotFound, OfferTakenDown (409
    `offer_taken_down`: only an operator puts it back), Conflict (`offer_not_paused`).
    """
    offer = _owned_offer(owner_user_id, offer_id)
    if offer.status == OFFER_TAKEN_DOWN:
        raise OfferTakenDown()
    if offer.status != OFFER_PAUSED:
        raise Conflict("商品未处于暂停状态", reason="offer_not_paused")
    set_status(offer, (OFFER_PAUSED,), OFFER_LIVE if offer.approved_at else OFFER_PENDING)
    return offer
