"""The read-only aggregate queries behind the operators' dashboard.

Reporting is the one place that reads across domains' tables instead of calling their
services (docs/decisions/0500): each figure is one GROUP BY over indexed columns, never a
loop over rows, and nothing here writes. Days are Asia/Shanghai days; times are UTC.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import distinct, exists, func, select, union_all
from sqlalchemy.orm import aliased

from app.campaigns.models import Campaign, CampaignAward
from app.carbon.models import RECORD_APPROVED, RECORD_STATUSES, CarbonRecord, Scenario
from app.extensions import db
from app.ledger.models import (
    KIND_RESIDENT,
    KIND_SYSTEM,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
)
from app.ledger.service import base_name
from app.mall.models import (
    COUPON_CANCELLED,
    COUPON_USED,
    OFFER_LIVE,
    OFFER_PENDING,
    Coupon,
    Offer,
)
from app.merchants.models import Merchant
from app.stats.days import as_date, shanghai_day
from app.users.models import User, UserRole

# System ledger accounts whose movements the dashboard shows, and the sign that turns
# their balance into a positive "points issued / redeemed / ..." figure.
POINT_FLOWS = {"issuance": ("issued", -1), "redemptions": ("redeemed", 1),
               "expired": ("expired", 1), "adjustments": ("adjusted", -1)}  # fmt: skip


STAFF_ROLES = ("merchant_owner", "merchant_clerk")


def _residents():
    """Residents the scheme serves: live (not deleted) WeChat accounts with the resident
    role that are not merchant staff (an owner or clerk has a resident login to work
    from the mini-program, and console accounts have none)."""
    staff_role = aliased(UserRole)
    staff = exists().where(staff_role.user_id == User.id, staff_role.role.in_(STAFF_ROLES))
    return (
        select(User.id, User.created_at)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == "resident",
            User.deleted_at.is_(None),
            User.username.is_(None),
            ~staff,
        )
    )


def count_residents() -> int:
    """How many residents there are (the same selection as the residents' statistics)."""
    return db.session.scalar(select(func.count()).select_from(_residents().subquery())) or 0


def record_totals() -> dict[str, dict[str, int]]:
    """{status: {"count", "carbon_mg"}} over every carbon record."""
    rows = db.session.execute(
        select(
            CarbonRecord.status, func.count(), func.coalesce(func.sum(CarbonRecord.carbon_mg), 0)
        ).group_by(CarbonRecord.status)
    )
    totals = {status: {"count": 0, "carbon_mg": 0} for status in RECORD_STATUSES}
    for status, count, carbon_mg in rows:
        totals[status] = {"count": int(count), "carbon_mg": int(carbon_mg)}
    return totals


def system_balances() -> dict[str, int]:
    """{"issued", "redeemed", "expired", "adjusted"}: net points through each system account."""
    rows = db.session.execute(
        select(LedgerAccount.owner, LedgerAccount.balance).where(LedgerAccount.kind == KIND_SYSTEM)
    )
    flows = {name: 0 for name, _ in POINT_FLOWS.values()}
    for owner, balance in rows:
        if base_name(owner) in POINT_FLOWS:  # the shards of a system account add up
            name, sign = POINT_FLOWS[base_name(owner)]
            flows[name] += sign * int(balance)
    return flows


def outstanding_points() -> int:
    """Points residents hold now: the scheme's liability (sum of resident balances)."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(LedgerAccount.balance), 0)).where(
            LedgerAccount.kind == KIND_RESIDENT
        )
    )
    return int(total or 0)


def merchant_counts() -> dict[str, int]:
    """How many merchants, live offers and offers pending review there are."""
    merchants = db.session.scalar(select(func.count(Merchant.id))) or 0
    live = db.session.scalar(select(func.count(Offer.id)).where(Offer.status == OFFER_LIVE)) or 0
    pending = (
        db.session.scalar(select(func.count(Offer.id)).where(Offer.status == OFFER_PENDING)) or 0
    )
    return {"merchants": int(merchants), "offers_live": int(live), "offers_pending": int(pending)}


def residents_by_day(first: date, last: date, start: datetime, end: datetime) -> dict:
    """New residents per day, how many there were before `first`, and daily actives
    (residents, as `_residents` counts them, who checked in or redeemed that day)."""
    residents = _residents().subquery()
    day = shanghai_day(residents.c.created_at)
    new = {
        as_date(d): int(n)
        for d, n in db.session.execute(
            select(day, func.count())
            .where(residents.c.created_at >= start, residents.c.created_at < end)
            .group_by(day)
        )
    }
    before = db.session.scalar(
        select(func.count()).select_from(residents).where(residents.c.created_at < start)
    )
    coupon_day = shanghai_day(Coupon.created_at)
    acts = union_all(
        select(CarbonRecord.day.label("d"), CarbonRecord.user_id.label("u")).where(
            CarbonRecord.day >= first, CarbonRecord.day <= last
        ),
        select(coupon_day.label("d"), Coupon.user_id.label("u")).where(
            Coupon.created_at >= start, Coupon.created_at < end
        ),
    ).subquery()
    active = {
        as_date(d): int(n)
        for d, n in db.session.execute(
            select(acts.c.d, func.count(distinct(acts.c.u)))
            .where(acts.c.u.in_(select(residents.c.id)))
            .group_by(acts.c.d)
        )
    }
    return {"new": new, "before": int(before or 0), "active": active}


def checkins_by_day(first: date, last: date) -> tuple[list[dict], dict]:
    """Approved check-ins and carbon per scenario per day: (scenarios, {(code, day): (n, mg)})."""
    rows = db.session.execute(
        select(
            Scenario.code,
            CarbonRecord.day,
            func.count(),
            func.coalesce(func.sum(CarbonRecord.carbon_mg), 0),
        )
        .join(Scenario, Scenario.id == CarbonRecord.scenario_id)
        .where(
            CarbonRecord.status == RECORD_APPROVED,
            CarbonRecord.day >= first,
            CarbonRecord.day <= last,
        )
        .group_by(Scenario.code, CarbonRecord.day)
    )
    cells = {(code, as_date(d)): (int(n), int(mg)) for code, d, n, mg in rows}
    scenarios = [
        {"code": code, "name": name}
        for code, name in db.session.execute(
            select(Scenario.code, Scenario.name).order_by(Scenario.id)
        )
    ]
    return scenarios, cells


def points_by_day(start: datetime, end: datetime) -> tuple[dict, int]:
    """Per day, the net movement of each system flow and of all resident accounts, plus the
    residents' total before `start` (to draw outstanding points as a running total)."""
    day = shanghai_day(LedgerTransaction.created_at)
    account_key = func.coalesce(
        func.nullif(LedgerAccount.kind, KIND_SYSTEM), LedgerAccount.owner
    )  # "resident", "merchant" or the system account's name
    rows = db.session.execute(
        select(day, account_key, func.sum(LedgerEntry.amount))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.created_at >= start, LedgerTransaction.created_at < end)
        .group_by(day, account_key)
    )
    moves: dict[str, dict[date, int]] = defaultdict(dict)
    for d, key, amount in rows:
        if base_name(key) in POINT_FLOWS:  # the shards of a system account add up
            name, sign = POINT_FLOWS[base_name(key)]
            moves[name][as_date(d)] = moves[name].get(as_date(d), 0) + sign * int(amount)
        elif key == KIND_RESIDENT:
            moves["resident_delta"][as_date(d)] = int(amount)
    before = db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.kind == KIND_RESIDENT, LedgerTransaction.created_at < start)
    )
    return moves, int(before or 0)


def coupons_by_merchant(start: datetime, end: datetime, limit: int = 20) -> list[dict]:
    """Per merchant: coupons redeemed in the window (not cancelled since) and coupons
    verified in the window, with their points and settlement amounts."""
    redeemed = db.session.execute(
        select(Coupon.merchant_id, func.count(), func.coalesce(func.sum(Coupon.points_price), 0))
        .where(
            Coupon.created_at >= start,
            Coupon.created_at < end,
            Coupon.status != COUPON_CANCELLED,
        )
        .group_by(Coupon.merchant_id)
    )
    verified = db.session.execute(
        select(
            Coupon.merchant_id,
            func.count(),
            func.coalesce(func.sum(Coupon.settlement_value_fen), 0),
        )
        .where(Coupon.status == COUPON_USED, Coupon.used_at >= start, Coupon.used_at < end)
        .group_by(Coupon.merchant_id)
    )
    table: dict[int, dict] = defaultdict(
        lambda: {"redeemed": 0, "points": 0, "verified": 0, "settlement_fen": 0}
    )
    for merchant_id, n, points in redeemed:
        table[merchant_id].update(redeemed=int(n), points=int(points))
    for merchant_id, n, fen in verified:
        table[merchant_id].update(verified=int(n), settlement_fen=int(fen))
    names = dict(
        db.session.execute(select(Merchant.id, Merchant.name).where(Merchant.id.in_(list(table))))
        .tuples()
        .all()
    )
    items = [
        {"merchant_id": mid, "name": names.get(mid, f"#{mid}"), **row} for mid, row in table.items()
    ]
    items.sort(key=lambda item: (-item["redeemed"], -item["verified"], item["merchant_id"]))
    return items[:limit]


def campaigns_in(start: datetime, end: datetime, limit: int = 10) -> list[Campaign]:
    """The newest campaigns whose window overlaps [start, end)."""
    return list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.starts_at < end, Campaign.ends_at > start)
            .order_by(Campaign.id.desc())
            .limit(limit)
        )
    )


def campaign_awards_by_day(
    campaign_ids: list[int], start: datetime, end: datetime
) -> tuple[dict, dict]:
    """Bonus points paid per campaign per day in the window, and paid before it."""
    if not campaign_ids:
        return {}, {}
    day = shanghai_day(CampaignAward.created_at)
    in_window = db.session.execute(
        select(CampaignAward.campaign_id, day, func.sum(CampaignAward.points))
        .where(
            CampaignAward.campaign_id.in_(campaign_ids),
            CampaignAward.created_at >= start,
            CampaignAward.created_at < end,
        )
        .group_by(CampaignAward.campaign_id, day)
    )
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    for campaign_id, d, points in in_window:
        daily[campaign_id][as_date(d)] = int(points)
    before = dict(
        db.session.execute(
            select(CampaignAward.campaign_id, func.sum(CampaignAward.points))
            .where(CampaignAward.campaign_id.in_(campaign_ids), CampaignAward.created_at < start)
            .group_by(CampaignAward.campaign_id)
        )
        .tuples()
        .all()
    )
    return daily, {k: int(v) for k, v in before.items()}
