"""Monthly settlement: the coupons a merchant verified in a month (Asia/Shanghai) and
what the scheme owes for them, as JSON or CSV.

Each coupon carries the settlement value agreed when it was redeemed (a later edit of the
offer does not change coupons already sold), in integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from app.clock import SHANGHAI
from app.csvout import to_csv
from app.db import utcnow
from app.errors import Unprocessable
from app.mall import service as mall
from app.merchants import service as merchants
from app.users import service as users

CSV_COLUMNS = (
    "coupon_id", "used_at", "offer_id", "offer_title", "short_code", "verified_by",
    "verified_by_name",
    "points_price", "settlement_value_fen", "settlement_value_yuan",
)  # fmt: skip


@dataclass
class SettlementLine:
    coupon_id: int
    used_at: datetime
    offer_id: int
    offer_title: str
    short_code: str
    verified_by: int | None
    points_price: int
    settlement_value_fen: int
    verified_by_name: str = ""


@dataclass
class OfferTotal:
    offer_id: int
    offer_title: str
    coupons: int = 0
    points: int = 0
    settlement_fen: int = 0


@dataclass
class Settlement:
    merchant_id: int
    merchant_name: str
    month: str
    starts_at: datetime
    ends_at: datetime
    coupons: int = 0
    points: int = 0
    settlement_fen: int = 0
    by_offer: list[OfferTotal] = field(default_factory=list)
    items: list[SettlementLine] = field(default_factory=list)


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    try:
        first = datetime.strptime(month, "%Y-%m").date()
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        start = datetime.combine(first, datetime.min.time(), SHANGHAI).astimezone(UTC)
        end = datetime.combine(following, datetime.min.time(), SHANGHAI).astimezone(UTC)
    except (ValueError, OverflowError):  # not a month, or one at the calendar's very edge
        message = "月份格式应为 YYYY-MM"
        raise Unprocessable(message, errors={"month": [message]}) from None
    return start, end


def current_month() -> str:
    """This Asia/Shanghai calendar month as YYYY-MM."""
    return utcnow().astimezone(SHANGHAI).strftime("%Y-%m")


def monthly_settlement(owner_user_id: int, month: str) -> Settlement:
    """The owner's merchant's settlement for `month` (YYYY-MM, Beijing time).

    Raises NotMerchantStaff, NotMerchantOwner (403), Unprocessable (422) for a bad month.
    """
    membership = merchants.require_owner(owner_user_id)
    start, end = _month_bounds(month)
    merchant = merchants.get_merchant(membership.merchant_id)
    coupons = mall.used_coupons_between(merchant.id, start, end)
    titles = mall.offer_titles({c.offer_id for c in coupons})
    clerks = users.public_nicknames(sorted({c.verified_by for c in coupons if c.verified_by}))
    result = Settlement(merchant.id, merchant.name, month, start, end)
    totals: dict[int, OfferTotal] = {}
    for coupon in coupons:
        title = titles.get(coupon.offer_id, "")
        result.items.append(
            SettlementLine(
                coupon.id,
                # mypy: used_coupons_between selects used coupons only: used_at is set.
                coupon.used_at,  # type: ignore[arg-type]
                coupon.offer_id,
                title,
                coupon.short_code,
                coupon.verified_by,
                coupon.points_price,
                coupon.settlement_value_fen,
                # mypy: a used coupon without a clerk (None) is just not a key: "".
                clerks.get(coupon.verified_by, ""),  # type: ignore[arg-type]
            )
        )
        total = totals.setdefault(coupon.offer_id, OfferTotal(coupon.offer_id, title))
        total.coupons += 1
        total.points += coupon.points_price
        total.settlement_fen += coupon.settlement_value_fen
    result.by_offer = sorted(totals.values(), key=lambda t: t.offer_id)
    result.coupons = len(result.items)
    result.points = sum(t.points for t in result.by_offer)
    result.settlement_fen = sum(t.settlement_fen for t in result.by_offer)
    return result


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def settlement_csv(settlement: Settlement) -> str:
    """One row per verified coupon (totals are in the JSON form); times in Beijing time.
    UTF-8 with a BOM and no formula injection (app/csvout.py)."""
    rows = [
        {
            "coupon_id": line.coupon_id,
            "used_at": line.used_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
            "offer_id": line.offer_id,
            "offer_title": line.offer_title,
            "short_code": line.short_code,
            "verified_by": line.verified_by,
            "verified_by_name": line.verified_by_name,
            "points_price": line.points_price,
            "settlement_value_fen": line.settlement_value_fen,
            "settlement_value_yuan": _yuan(line.settlement_value_fen),
        }
        for line in settlement.items
    ]
    return to_csv(rows, CSV_COLUMNS)
