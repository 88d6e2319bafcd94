"""Zero-carbon events (零碳活动): the cited emission factors they are accounted with, the
events, their accounting lines and the attendees' recorded trips."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import TimestampMixin, UtcDateTime
from app.extensions import Model

EVENT_KINDS = ("meeting", "forum", "match", "exhibition", "show")  # 会议 论坛 赛事 展览 演出
STAGE_PLANNED, STAGE_HELD, STAGE_ACCOUNTED, STAGE_OFFSET = "planned", "held", "accounted", "offset"
STAGES = (STAGE_PLANNED, STAGE_HELD, STAGE_ACCOUNTED, STAGE_OFFSET)
CATEGORIES = ("electricity", "fuel", "travel", "lodging", "catering", "materials", "waste")
# What attendees may record, and the factor each mode uses.
MODES = {"metro": "travel_metro", "bus": "travel_bus", "bike": "travel_bike", "walk": "travel_walk"}


class EventFactor(TimestampMixin, Model):
    """An emission factor (kg CO2e per unit) with its source; never edited (a new figure is
    a new version). Accounting lines keep the version they used."""

    __tablename__ = "event_factors"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    mg_per_unit: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="published")
    source: Mapped[str] = mapped_column(Text, default="")
    valid_from: Mapped[date] = mapped_column(Date)


class Event(TimestampMixin, Model):
    """An event an organiser (a registry holder) accounts and offsets."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("registry_holders.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    venue: Mapped[str] = mapped_column(String(200), default="")
    expected_attendees: Mapped[int] = mapped_column(default=0)
    plan: Mapped[str] = mapped_column(Text, default="")  # reduction measures, offset plan
    stage: Mapped[str] = mapped_column(String(16), default=STAGE_PLANNED)
    # Attendees who recorded no trip are assumed to come this way, this far (one way x 2).
    default_mode_factor: Mapped[str] = mapped_column(String(64), default="travel_car")
    default_trip_km_milli: Mapped[int] = mapped_column(BigInteger, default=20_000)
    qr_key_version: Mapped[int] = mapped_column(default=1)
    total_mg: Mapped[int] = mapped_column(BigInteger, default=0)  # frozen when accounted
    accounted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accounted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Checked by a verification body (else self-declared).
    verifier_id: Mapped[int | None] = mapped_column(ForeignKey("registry_verifiers.id"))
    checked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    check_note: Mapped[str] = mapped_column(Text, default="")
    offset_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EventLine(TimestampMixin, Model):
    """One source of an event's emissions: activity data times a factor version."""

    __tablename__ = "event_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    factor_id: Mapped[int] = mapped_column(ForeignKey("event_factors.id"))
    quantity_milli: Mapped[int] = mapped_column(BigInteger)
    emissions_mg: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(200), default="")
    # "attendees": made from the attendees' recorded trips when the event is accounted.
    origin: Mapped[str] = mapped_column(String(16), default="organiser")

    factor: Mapped[EventFactor] = relationship(lazy="joined")


class EventAttendance(TimestampMixin, Model):
    """How one attendee came (scanned at the event): one per attendee and event."""

    __tablename__ = "event_attendance"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mode: Mapped[str] = mapped_column(String(16))
    distance_km_milli: Mapped[int] = mapped_column(BigInteger)  # round trip
