"""Campaign rules: create, pause, list, and apply live campaigns when a check-in pays out.

`apply_campaigns` is called by the check-in approval path (app/checkins/approval.py) after
the base reward. Each award claims budget with one conditional UPDATE, so the budget is
never exceeded however many approvals run at once, and is paid as its own ledger
transaction (`campaign_bonus`, reference `campaign:<id>:<record>`) whose memo names the
campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app import reference_cache
from app.campaigns.models import (
    STATUS_ACTIVE,
    STATUS_PAUSED,
    Campaign,
    CampaignAward,
    CampaignParticipant,
    CampaignScenario,
)
from app.db import utcnow
from app.errors import BadRequest, NotFound
from app.extensions import db
from app.users import service as users

# Changes of a campaign or its scenarios make every process read them again.
reference_cache.register(Campaign, CampaignScenario)


class CampaignNotFound(NotFound):
    reason, message = "campaign_not_found", "活动不存在"


class InvalidCampaign(BadRequest):
    reason, message = "invalid_campaign", "活动设置无效"


@dataclass(frozen=True)
class Award:
    campaign_id: int
    campaign_name: str
    points: int


class _NotEligible(Exception):
    """Raised inside a savepoint to undo a partial claim."""


def create_campaign(
    *,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    scenarios: list[str],
    budget_points: int,
    multiplier: float = 1.0,
    bonus_points: int = 0,
    first_n: int | None = None,
    per_resident_limit: int | None = None,
    created_by: int | None = None,
) -> Campaign:
    """Create a campaign. Raises InvalidCampaign (400) and ScenarioNotFound (404)."""
    from app.carbon import service as carbon

    if ends_at <= starts_at:
        raise InvalidCampaign("结束时间必须晚于开始时间")
    multiplier_pct = round(multiplier * 100)
    if multiplier_pct <= 100 and bonus_points <= 0:
        raise InvalidCampaign("请设置大于 1 的倍数或固定奖励积分")
    codes = sorted(set(scenarios))
    for code in codes:
        carbon.get_scenario(code)  # raises ScenarioNotFound
    campaign = Campaign(
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        multiplier_pct=multiplier_pct,
        bonus_points=bonus_points,
        first_n=first_n,
        per_resident_limit=per_resident_limit,
        budget_points=budget_points,
        created_by=created_by,
        scenarios=[CampaignScenario(scenario_code=code) for code in codes],
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def get_campaign(campaign_id: int) -> Campaign:
    """One campaign. Raises CampaignNotFound."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def set_campaign_status(campaign_id: int, status: str) -> Campaign:
    """Pause or resume. Raises CampaignNotFound, InvalidCampaign for an unknown status."""
    if status not in (STATUS_ACTIVE, STATUS_PAUSED):
        raise InvalidCampaign()
    campaign = get_campaign(campaign_id)
    campaign.status = status
    db.session.flush()
    return campaign


def list_campaigns_stmt(live_only: bool = False, at: datetime | None = None):
    """Campaigns newest first; with live_only, only those active and running at `at`."""
    stmt = select(Campaign)
    if live_only:
        at = at or utcnow()
        stmt = stmt.where(
            Campaign.status == STATUS_ACTIVE, Campaign.starts_at <= at, Campaign.ends_at > at
        )
    return stmt


def live_for(scenario_code: str, at: datetime) -> list[Campaign]:
    """The campaigns covering `scenario_code` that are live at `at`, by id: read before a
    request's first write and handed to `apply_campaigns`, so on SQLite the query stays
    outside the writer queue (each award's claims are conditional UPDATEs all the same).

    Read through the process's copies (app/reference_cache.py) as those live at some
    moment of `at`'s hour, then picked for `at`: the key changes once an hour, not with
    every `at`. Their budget and award counts are not kept current there (nothing here
    reads them: the claims are conditional UPDATEs)."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    end = hour + timedelta(hours=1) - timedelta(microseconds=1)
    within_hour = reference_cache.lookup(
        ("campaigns", scenario_code, hour), lambda: live_within(scenario_code, hour, end)
    )
    return live_at(within_hour, at)


def live_within(scenario_code: str, earliest: datetime, latest: datetime) -> list[Campaign]:
    """The campaigns covering `scenario_code` that are live at some moment from `earliest`
    to `latest`, by id: read once for `live_at` of many moments (a partner batch)."""
    stmt = (
        select(Campaign)
        .join(CampaignScenario)
        .where(
            CampaignScenario.scenario_code == scenario_code,
            Campaign.status == STATUS_ACTIVE,
            Campaign.starts_at <= latest,
            Campaign.ends_at > earliest,
        )
        .order_by(Campaign.id)
    )
    return list(db.session.scalars(stmt))


def live_at(campaigns: list[Campaign], at: datetime) -> list[Campaign]:
    """Those of `campaigns` (`live_within`, so active) running at `at`."""
    return [c for c in campaigns if c.starts_at <= at < c.ends_at]


def campaigns_ending(scenario_code: str, at: datetime, within: timedelta) -> list[Campaign]:
    """Campaigns covering `scenario_code`, live at `at` and ending at most `within` after it
    (the WeRun rule on spikes just before a campaign's end)."""
    return [c for c in live_for(scenario_code, at) if c.ends_at <= at + within]


def _claim_resident_slot(campaign: Campaign, user_id: int) -> None:
    if campaign.per_resident_limit is None:
        return
    # Per person, not per account: a re-registration continues (docs/decisions/0701).
    user_id = users.person_of(user_id)
    key = {"campaign_id": campaign.id, "user_id": user_id}
    if db.session.get(CampaignParticipant, (campaign.id, user_id)) is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(CampaignParticipant).values(**key, awards=0))
        except IntegrityError:
            pass  # created by a concurrent approval: the UPDATE below decides
    claimed = db.session.execute(
        update(CampaignParticipant)
        .where(
            CampaignParticipant.campaign_id == campaign.id,
            CampaignParticipant.user_id == user_id,
            CampaignParticipant.awards < campaign.per_resident_limit,
        )
        .values(awards=CampaignParticipant.awards + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise _NotEligible()


def _claim_budget(campaign: Campaign, points: int) -> None:
    conditions = [
        Campaign.id == campaign.id,
        # A pause committed after the caller read the live campaigns (a check-in reads
        # them before its first write) still wins: the database decides, not that read.
        Campaign.status == STATUS_ACTIVE,
        Campaign.budget_used + points <= Campaign.budget_points,
    ]
    if campaign.first_n is not None:
        conditions.append(Campaign.awards_count < campaign.first_n)
    claimed = db.session.execute(
        update(Campaign)
        .where(*conditions)
        .values(
            budget_used=Campaign.budget_used + points,
            awards_count=Campaign.awards_count + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # a DML result is a CursorResult
        raise _NotEligible()


def apply_campaigns(
    user_id: int,
    scenario_code: str,
    base_points: int,
    record_ref: str,
    at: datetime,
    live: list[Campaign] | None = None,
) -> list[Award]:
    """Pay the bonuses of every live campaign covering `scenario_code` at `at` (`live`:
    that list, when the caller read it already with `live_for(scenario_code, at)`).

    An award is all or nothing: if the campaign's budget cannot cover it, or its first-N
    or per-resident limit is reached, that campaign pays nothing for this record.
    """
    from app.ledger import service as ledger

    awards = []
    for campaign in live_for(scenario_code, at) if live is None else live:
        extra = base_points * (campaign.multiplier_pct - 100) // 100 + campaign.bonus_points
        if extra <= 0:
            continue
        try:
            with db.session.begin_nested():
                _claim_resident_slot(campaign, user_id)
                _claim_budget(campaign, extra)
                db.session.add(
                    CampaignAward(
                        campaign_id=campaign.id,
                        user_id=user_id,
                        record_ref=record_ref,
                        points=extra,
                    )
                )
        except (_NotEligible, IntegrityError):
            continue
        ledger.earn_points(
            user_id,
            extra,
            code="campaign_bonus",
            reference=f"campaign:{campaign.id}:{record_ref}",
            memo=f"活动「{campaign.name}」加成 +{extra}",
        )
        awards.append(Award(campaign.id, campaign.name, extra))
    return awards
