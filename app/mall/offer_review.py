"""What operators do to offers: the review queue, approve, reject, take down (下架) and
put back. Every move is one conditional UPDATE of the status and is audited.

A taken-down offer (`taken_down`) is off sale at once (redemption takes stock only from
a live offer). Only an operator puts it back: live again if its terms were approved, else
back to review; its owner can neither resume it nor change its terms meanwhile (stock
only). Coupons already issued stay valid: the resident paid for them (docs/decisions/0940).
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.audit.service import record_audit
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.mall.errors import OfferNotFound, OfferNotPending
from app.mall.models import (
    OFFER_LIVE,
    OFFER_PAUSED,
    OFFER_PENDING,
    OFFER_REJECTED,
    OFFER_TAKEN_DOWN,
    Offer,
)
from app.mall.offer_state import changed, set_status, snapshot
from app.pagination import paginate_desc


def list_offers_for_operators(
    status: str | None, limit: int, cursor: str | None, merchant_id: int | None = None
) -> tuple[list[Offer], str | None]:
    """One page of all offers (of one merchant with `merchant_id`), newest first,
    optionally by status (e.g. pending_review). Raises InvalidCursor (400)."""
    stmt = select(Offer)
    if status:
        stmt = stmt.where(Offer.status == status)
    if merchant_id is not None:
        stmt = stmt.where(Offer.merchant_id == merchant_id)
    return paginate_desc(stmt, Offer.id, limit, cursor)


def _offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound()
    return offer


def approve_offer(operator_id: int | None, offer_id: int) -> Offer:
    """An operator puts a pending offer live. Raises OfferNotFound, OfferNotPending (409)."""
    offer = _offer(offer_id)
    before = snapshot(offer)
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == OFFER_PENDING)
        .values(status=OFFER_LIVE, approved_by=operator_id, approved_at=utcnow(), review_note="")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise OfferNotPending()
    db.session.refresh(offer)
    changed(offer)
    record_audit(operator_id, "mall.offer.approve", f"offer:{offer.id}", before, snapshot(offer))
    return offer


def reject_offer(operator_id: int, offer_id: int, note: str) -> Offer:
    """An operator sends a pending offer back with a note. Raises OfferNotFound,
    OfferNotPending (409)."""
    offer = _offer(offer_id)
    before = snapshot(offer)
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == OFFER_PENDING)
        .values(status=OFFER_REJECTED, review_note=note, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise OfferNotPending()
    db.session.refresh(offer)
    changed(offer)
    record_audit(
        operator_id, "mall.offer.reject", f"offer:{offer.id}", before,
        {**snapshot(offer), "note": note},
    )  # fmt: skip
    return offer


def take_down_offer(operator_id: int, offer_id: int, reason: str) -> Offer:
    """下架: take a live, paused or pending offer off sale at once; `reason` is shown to
    its merchant. Raises OfferNotFound, Conflict (`offer_taken_down` if it already is,
    `offer_not_pausable` for a rejected offer, `offer_state_changed` on a race)."""
    offer = _offer(offer_id)
    if offer.status == OFFER_TAKEN_DOWN:
        raise Conflict("该商品已下架", reason="offer_taken_down")
    if offer.status == OFFER_REJECTED:
        raise Conflict("已驳回的商品不在售，无需下架", reason="offer_not_pausable")
    before = snapshot(offer)
    set_status(offer, (OFFER_LIVE, OFFER_PAUSED, OFFER_PENDING), OFFER_TAKEN_DOWN,
               review_note=reason)  # fmt: skip
    record_audit(
        operator_id, "mall.offer.take_down", f"offer:{offer.id}", before,
        {**snapshot(offer), "note": reason},
    )  # fmt: skip
    return offer


def relist_offer(operator_id: int, offer_id: int) -> Offer:
    """Put a taken-down offer back: live if its terms were approved, else to review.

    Raises OfferNotFound, Conflict (`offer_not_taken_down`, `offer_state_changed`)."""
    offer = _offer(offer_id)
    if offer.status != OFFER_TAKEN_DOWN:
        raise Conflict("该商品未被下架", reason="offer_not_taken_down")
    before = snapshot(offer)
    new = OFFER_LIVE if offer.approved_at else OFFER_PENDING
    set_status(offer, (OFFER_TAKEN_DOWN,), new, review_note="")
    record_audit(operator_id, "mall.offer.relist", f"offer:{offer.id}", before, snapshot(offer))
    return offer
