"""Approving a check-in's record: carbon pays the base points, then campaigns their bonus.

The check-in flow calls carbon, then campaigns; neither of those domains imports the
other. Every approval of a check-in (by an operator, a partner's event, a WeRun day) goes
through `approve`, and an automatic one (a record created approved) through
`pay_campaigns`, so a live campaign never misses one.
"""

from __future__ import annotations

from datetime import datetime

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.carbon.models import CarbonRecord


def live_campaigns(scenario_code: str, at: datetime) -> list[campaigns.Campaign]:
    """The campaigns `pay_campaigns` would apply to a record of `scenario_code` made at
    `at`: a read, for a caller to make before its first write."""
    return campaigns.live_for(scenario_code, at)


def approve(
    record_id: int,
    *,
    decided_by: int | None = None,
    reward: carbon.Reward | None = None,
    with_campaigns: bool = True,
) -> CarbonRecord:
    """Approve a pending record, pay its points, then live campaigns' bonuses (unless
    `with_campaigns` is False: a held WeRun growth earns none).

    Raises RecordNotFound, AlreadyDecided (409 `already_decided`).
    """
    record = carbon.approve_record(record_id, decided_by=decided_by, reward=reward)
    return pay_campaigns(record) if with_campaigns else record


def pay_campaigns(
    record: CarbonRecord, live: list[campaigns.Campaign] | None = None
) -> CarbonRecord:
    """Pay live campaigns' bonuses on an approved record: `approve`'s second step, and
    the only one for a record created approved (`carbon.create_record(approved=True)`).
    `live`: `live_campaigns(record's scenario code, record.occurred_at)`, read earlier."""
    awards = campaigns.apply_campaigns(
        record.user_id,
        record.scenario.code,
        record.points,
        str(record.id),
        record.occurred_at,
        live=live,
    )
    carbon.add_bonus_points(record, sum(award.points for award in awards))
    return record
