"""Scenarios, methodology versions, carbon records and consents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UtcDateTime, utcnow
from app.extensions import Model

RECORD_PENDING = "pending"
RECORD_APPROVED = "approved"
RECORD_REJECTED = "rejected"
RECORD_REVOKED = "revoked"  # approved, then found fraudulent: no longer counts
RECORD_STATUSES = (RECORD_PENDING, RECORD_APPROVED, RECORD_REJECTED, RECORD_REVOKED)

EVIDENCE_TYPES = ("qr", "photo", "werun", "partner")


class Scenario(TimestampMixin, Model):
    """A low-carbon behaviour residents can be credited for (光盘打卡, 公交出行, ...)."""

    __tablename__ = "carbon_scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    unit: Mapped[str] = mapped_column(String(32))
    # Accepted evidence types joined by "|" as in the data file: "qr|partner".
    evidence: Mapped[str] = mapped_column(String(64), default="")
    daily_cap_milli: Mapped[int] = mapped_column(BigInteger)
    fractional: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="published")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    versions: Mapped[list[MethodologyVersion]] = relationship(
        back_populates="scenario", order_by="MethodologyVersion.version"
    )

    @property
    def evidence_types(self) -> list[str]:
        return [e for e in self.evidence.split("|") if e and e != "none"]


class MethodologyVersion(TimestampMixin, Model):
    """An emission factor and points rule, valid from a date; never edited afterwards."""

    __tablename__ = "carbon_methodology_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("carbon_scenarios.id"), index=True)
    version: Mapped[int] = mapped_column()
    factor_ug_per_unit: Mapped[int] = mapped_column(BigInteger)
    points_rule: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    source: Mapped[str] = mapped_column(Text, default="")

    scenario: Mapped[Scenario] = relationship(back_populates="versions")


class CarbonRecord(TimestampMixin, Model):
    """One credited behaviour: what, how much, which methodology, with what evidence."""

    __tablename__ = "carbon_records"
    __table_args__ = (
        Index("ix_carbon_records_user_id_day", "user_id", "day"),
        Index("ix_carbon_records_status_id", "status", "id"),
        # The site-burst risk check counts a site's recent records on every QR check-in.
        Index("ix_carbon_records_evidence_ref_created_at", "evidence_ref", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("carbon_scenarios.id"))
    methodology_version_id: Mapped[int] = mapped_column(
        ForeignKey("carbon_methodology_versions.id")
    )
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    carbon_mg: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default=RECORD_PENDING)
    evidence_type: Mapped[str] = mapped_column(String(16))
    # What backs the record: "site:7", "upload:<id>", "partner:bus:E1", "werun:2025-01-02".
    evidence_ref: Mapped[str] = mapped_column(String(200), default="")
    # The Asia/Shanghai day the behaviour happened (caps, leaderboards).
    day: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    risk_score: Mapped[int] = mapped_column(default=0)
    risk_reasons: Mapped[str] = mapped_column(String(200), default="")
    # Reason slug -> what an operator reads about it, where a rule has specifics to tell
    # ("12,000 steps, 4.8 times the resident's 30-day median"); other reasons have a fixed text.
    risk_notes: Mapped[dict | None] = mapped_column(JSON)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str] = mapped_column(String(200), default="")

    scenario: Mapped[Scenario] = relationship(lazy="joined")
    methodology: Mapped[MethodologyVersion] = relationship(lazy="joined")


class Consent(Model):
    """A resident's current yes/no for one scenario's data, with the text version agreed."""

    __tablename__ = "carbon_consents"
    __table_args__ = (UniqueConstraint("user_id", "scenario_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("carbon_scenarios.id"))
    granted: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    scenario: Mapped[Scenario] = relationship(lazy="joined")
