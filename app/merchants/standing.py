"""Freezing a merchant (冻结商户) and unfreezing it: one conditional UPDATE of its status.

While frozen: its offers are not sold (the catalogue and the redemption's stock UPDATE
only take offers of active merchants), its coupons are not verified (`merchant_frozen`),
and its residents may cancel any unused coupon of it for a refund, even one whose offer
says not cancellable; a coupon that lapses meanwhile is refunded whatever its policy.
Nothing new is settled to a frozen merchant and no resident loses points to it
(docs/decisions/0940). Unfreezing puts everything back as it was.

Other domains (the mall's catalogue cache) register a listener that runs on each change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from app import reference_cache
from app.audit.service import record_audit
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.merchants.models import MERCHANT_ACTIVE, MERCHANT_FROZEN, Merchant

_listeners: list[Callable[[int], None]] = []


class MerchantFrozen(Conflict):
    reason, message = "merchant_frozen", "该商户已被平台暂停服务，暂不能核销"


def register_standing_listener(listener: Callable[[int], None]) -> None:
    """`listener(merchant_id)` runs (inside the transaction) when a merchant is frozen or
    unfrozen, e.g. to invalidate a cache once committed."""
    if listener not in _listeners:
        _listeners.append(listener)


def is_merchant_frozen(merchant_id: int) -> bool:
    """Whether an operator has frozen this merchant (read now from the database)."""
    status = db.session.scalar(select(Merchant.status).where(Merchant.id == merchant_id))
    return status == MERCHANT_FROZEN


def _move(merchant_id: int, expected: str, values: dict) -> Merchant:
    result = db.session.execute(
        update(Merchant)
        .where(Merchant.id == merchant_id, Merchant.status == expected)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("商户不存在", reason="merchant_not_found")
    db.session.refresh(merchant)
    if result.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        if merchant.status == MERCHANT_FROZEN:
            raise Conflict("该商户已处于冻结状态", reason="merchant_frozen")
        raise Conflict("该商户未被冻结", reason="merchant_not_frozen")
    reference_cache.changed()  # a Core UPDATE: the flush hook does not see it
    for listener in _listeners:
        listener(merchant_id)
    return merchant


def freeze_merchant(operator_id: int, merchant_id: int, reason: str) -> Merchant:
    """Freeze a merchant (its staff see `reason`). Raises NotFound (`merchant_not_found`),
    Conflict (`merchant_frozen` if it already is)."""
    merchant = _move(
        merchant_id, MERCHANT_ACTIVE,
        {"status": MERCHANT_FROZEN, "frozen_at": utcnow(), "frozen_reason": reason},
    )  # fmt: skip
    record_audit(
        operator_id, "merchant.freeze", f"merchant:{merchant_id}", {"status": MERCHANT_ACTIVE},
        {"status": MERCHANT_FROZEN, "reason": reason},
    )  # fmt: skip
    return merchant


def unfreeze_merchant(operator_id: int, merchant_id: int) -> Merchant:
    """Let a frozen merchant sell and verify again. Raises NotFound (`merchant_not_found`),
    Conflict (`merchant_not_frozen`)."""
    before = db.session.scalar(select(Merchant.frozen_reason).where(Merchant.id == merchant_id))
    merchant = _move(
        merchant_id, MERCHANT_FROZEN,
        {"status": MERCHANT_ACTIVE, "frozen_at": None, "frozen_reason": ""},
    )  # fmt: skip
    record_audit(
        operator_id, "merchant.unfreeze", f"merchant:{merchant_id}",
        {"status": MERCHANT_FROZEN, "reason": before}, {"status": MERCHANT_ACTIVE},
    )  # fmt: skip
    return merchant
