"""Campaign tables: the campaign, its scenarios, per-resident counters and awards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UtcDateTime
from app.extensions import Model

STATUS_ACTIVE = "active"
STATUS_PAUSED = "paused"


class Campaign(TimestampMixin, Model):
    """A multiplier (`multiplier_pct`, 100 = none) and/or fixed bonus over a time window.

    `budget_used` only grows through a conditional UPDATE that keeps it within
    `budget_points`; `first_n` limits how many awards the campaign makes in total.
    """

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("budget_used <= budget_points", name="budget_not_exceeded"),
        CheckConstraint("multiplier_pct >= 100", name="multiplier_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    multiplier_pct: Mapped[int] = mapped_column(default=100)
    bonus_points: Mapped[int] = mapped_column(default=0)
    first_n: Mapped[int | None] = mapped_column()
    per_resident_limit: Mapped[int | None] = mapped_column()
    budget_points: Mapped[int] = mapped_column()
    budget_used: Mapped[int] = mapped_column(default=0)
    awards_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=STATUS_ACTIVE)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scenarios: Mapped[list[CampaignScenario]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def scenario_codes(self) -> list[str]:
        return sorted(s.scenario_code for s in self.scenarios)

    @property
    def multiplier(self) -> float:
        return self.multiplier_pct / 100


class CampaignScenario(Model):
    __tablename__ = "campaign_scenarios"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    scenario_code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CampaignParticipant(Model):
    """How many awards a resident has had from a campaign (for per_resident_limit).

    `user_id` is the person (`users.person_of`): re-registering does not reset it.
    """

    __tablename__ = "campaign_participants"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    awards: Mapped[int] = mapped_column(default=0)


class CampaignAward(TimestampMixin, Model):
    """One bonus paid: at most one per campaign and check-in record."""

    __tablename__ = "campaign_awards"
    __table_args__ = (UniqueConstraint("campaign_id", "record_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    record_ref: Mapped[str] = mapped_column(String(64))
    points: Mapped[int] = mapped_column()
