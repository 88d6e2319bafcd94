"""Where residents use a coupon: the merchants' addresses, phones, hours and positions.

Positions are degrees x 1e6 in GCJ-02, the datum WeChat's `<map>` and `wx.getLocation`
(type gcj02) use in China. What residents see of a merchant is also cached by other
domains (the mall's offer pages), so a profile change calls their listeners.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from app import reference_cache
from app.errors import NotFound
from app.extensions import db
from app.merchants.models import MERCHANT_ACTIVE, Merchant
from app.pagination import paginate_desc

PLACE_COLUMNS = ("address", "phone", "opening_hours", "latitude_e6", "longitude_e6")
_PLACE = ("id", "name", *PLACE_COLUMNS)
# Any change of a merchant (its profile, its standing) makes every process read it again.
reference_cache.register(Merchant)
_PROFILE_LISTENERS: list[Callable[[], None]] = []


class MerchantNotFound(NotFound):
    reason, message = "merchant_not_found", "商户不存在"


def profile_changed() -> None:
    """Tell the listeners that a merchant's profile changed (inside the transaction)."""
    for listener in _PROFILE_LISTENERS:
        listener()


def on_profile_change(listener: Callable[[], None]) -> None:
    """Have `listener` called (inside the transaction) whenever a merchant's profile
    changes: what residents see of the merchant elsewhere is cached there."""
    if listener not in _PROFILE_LISTENERS:
        _PROFILE_LISTENERS.append(listener)


def cached_merchant(merchant_id: int) -> Merchant | None:
    """The merchant, from this process's copies when current (app/reference_cache.py)."""
    return reference_cache.lookup(
        ("merchant", merchant_id), lambda: db.session.get(Merchant, merchant_id)
    )


def merchant_places(merchant_ids: set[int]) -> dict[int, dict]:
    """{merchant id: {id, name, address, phone, opening_hours, latitude_e6,
    longitude_e6}} for the given ids (one query; one merchant from the process's copies,
    as a redemption asks): where a resident uses a coupon."""
    if not merchant_ids:
        return {}
    if len(merchant_ids) == 1:
        (merchant_id,) = merchant_ids
        if (merchant := cached_merchant(merchant_id)) is None:
            return {}
        return {merchant_id: {name: getattr(merchant, name) for name in _PLACE}}
    columns = [getattr(Merchant, name) for name in _PLACE]
    rows = db.session.execute(select(*columns).where(Merchant.id.in_(merchant_ids)))
    return {row.id: dict(row._mapping) for row in rows}


def list_active_merchants(limit: int, cursor: str | None) -> tuple[list[Merchant], str | None]:
    """One page of the alliance's active merchants, newest first (the residents' merchants
    page and its map). Raises InvalidCursor (400)."""
    stmt = select(Merchant).where(Merchant.status == MERCHANT_ACTIVE)
    return paginate_desc(stmt, Merchant.id, limit, cursor)


def get_active_merchant(merchant_id: int) -> Merchant:
    """One active merchant for residents. Raises MerchantNotFound (also inactive ones)."""
    merchant = db.session.get(Merchant, merchant_id)
    if merchant is None or merchant.status != MERCHANT_ACTIVE:
        raise MerchantNotFound()
    return merchant
