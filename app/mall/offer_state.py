"""What every change of an offer's state shares: the conditional status move, the caches
it invalidates once committed, and the snapshot the audit log keeps."""

from __future__ import annotations

from sqlalchemy import update

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.mall import catalog, gate
from app.mall.models import Offer


def changed(offer: Offer) -> None:
    """After commit: the resident list is rebuilt and the flash-sale gate reloaded."""
    offer.updated_at = utcnow()
    catalog.invalidate_after_commit()
    gate.drop_after_commit(offer.id)


def snapshot(offer: Offer) -> dict:
    """The offer's audited state (status and stock) before or after an operator's action."""
    return {"status": offer.status, "stock_total": offer.stock_total}


def set_status(offer: Offer, expected: tuple[str, ...], new: str, **values) -> None:
    """Conditional status change: two concurrent transitions cannot both apply.

    Raises Conflict (`offer_state_changed`) when the offer is no longer in `expected`."""
    result = db.session.execute(
        update(Offer)
        .where(Offer.id == offer.id, Offer.status.in_(expected))
        .values(status=new, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(offer)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise Conflict("商品状态已变化，请刷新后重试", reason="offer_state_changed")
    changed(offer)
