"""Evidence tables: QR sites, uploads, photo fingerprints, day counters, WeRun, partners."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.carbon.models import Scenario
from app.db import TimestampMixin, UtcDateTime, utcnow
from app.extensions import Model


class Site(TimestampMixin, Model):
    """A place with a QR code (bus stop, recycling bin, parcel station) for one scenario."""

    __tablename__ = "checkin_sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scenario_id: Mapped[int] = mapped_column(ForeignKey("carbon_scenarios.id"), index=True)
    # Bumped to invalidate every QR printed so far (a leaked code is retired at once).
    key_version: Mapped[int] = mapped_column(default=1)
    # 0: a printed, static code. N > 0: a screen shows a code that changes every N seconds.
    rotation_seconds: Mapped[int] = mapped_column(default=0)
    # How often one resident may check in here per Asia/Shanghai day.
    per_user_daily_limit: Mapped[int] = mapped_column(default=1)
    # Where the quantity of a scan comes from (docs/decisions/0700): "scan" (a count
    # scenario: one unit; a weighed one: what the resident declares, reviewed above a small
    # amount), "fixed" (`quantity_per_scan_milli`, set by the operator) or "station" (a
    # weighing station's signed receipt; the site's plain code is refused).
    quantity_source: Mapped[str] = mapped_column(String(16), default="scan")
    quantity_per_scan_milli: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scenario: Mapped[Scenario] = relationship(lazy="joined")


class StationReceipt(TimestampMixin, Model):
    """A weighing station's receipt that was used: (site, receipt id) pays once, ever."""

    __tablename__ = "checkin_station_receipts"
    __table_args__ = (UniqueConstraint("site_id", "receipt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("checkin_sites.id"))
    receipt_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quantity_milli: Mapped[int] = mapped_column(BigInteger)


class Upload(TimestampMixin, Model):
    """A photo a resident uploaded (re-encoded without metadata) waiting to be evidence."""

    __tablename__ = "checkin_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    phash: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    # Relative to the upload directory; None once the file is erased (account deletion).
    path: Mapped[str | None] = mapped_column(String(200))
    # app/checkins/fingerprints.py, as JSON; None for uploads older than revision 0702.
    fingerprint: Mapped[str | None] = mapped_column(Text)


class PhotoEvidence(TimestampMixin, Model):
    """A photo used by a check-in. The unique sha256 means a picture pays at most once.

    `phash` is the 64-bit dHash of decision 0204, stored as four 16-bit bands (two hashes
    within Hamming distance 3 share a band); it is still checked, so evidence from before
    the window hashes (`PhotoHash`) keeps counting.
    """

    __tablename__ = "checkin_photo_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    phash: Mapped[str] = mapped_column(String(16))
    band0: Mapped[int] = mapped_column(index=True)
    band1: Mapped[int] = mapped_column(index=True)
    band2: Mapped[int] = mapped_column(index=True)
    band3: Mapped[int] = mapped_column(index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("checkin_uploads.id"), unique=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("carbon_records.id"))


class PhotoHash(Model):
    """One window of a used photo (app/checkins/fingerprints.py `WINDOWS`): its 128-bit
    signature, and its pHash cut into three indexed bands for the near-duplicate look-up."""

    __tablename__ = "checkin_photo_hashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("checkin_photo_evidence.id"), index=True)
    window: Mapped[int] = mapped_column()
    phash: Mapped[str] = mapped_column(String(16))
    dhash: Mapped[str] = mapped_column(String(16))
    band0: Mapped[int] = mapped_column(index=True)
    band1: Mapped[int] = mapped_column(index=True)
    band2: Mapped[int] = mapped_column(index=True)


class PhotoClaimLock(Model):
    """A row per look-up key bucket, locked (upserted) by every photo check-in for each of
    its keys in ascending order before it checks and claims: two photos that could match
    share a key, so they queue on its row (app/checkins/duplicates.py)."""

    __tablename__ = "checkin_photo_locks"

    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    claims: Mapped[int] = mapped_column(BigInteger, default=0)


class DayCounter(Model):
    """How much of a daily limit a resident has used: `subject` is "scenario:3" or "site:7".

    `user_id` is the person (`users.person_key`): re-registering does not reset it.

    Moved only by a conditional upsert (`... DO UPDATE ... WHERE used + :q <= :limit`,
    app/checkins/caps.py), so concurrent check-ins never overshoot a cap.
    """

    __tablename__ = "checkin_day_counters"
    __table_args__ = (UniqueConstraint("user_id", "day", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(32))
    used: Mapped[int] = mapped_column(BigInteger, default=0)


class WerunDay(Model):
    """A resident's WeRun step total for one Asia/Shanghai day (never finer than a day).

    Days a sync credits (today, yesterday) point at the carbon record that takes their
    growth; older days of the payload are kept without a record, as the resident's own
    baseline for the anti-cheat rules (app/checkins/werun_risk.py). `steps_base` is what
    the day's earlier records already cover (a growth held for review gets its own
    record); `series_fp` fingerprints the seven days before, so one series synced by
    several accounts is found by index.
    """

    __tablename__ = "checkin_werun_days"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    day: Mapped[date] = mapped_column(Date)
    steps_reported: Mapped[int] = mapped_column(BigInteger, default=0)
    steps_credited: Mapped[int] = mapped_column(BigInteger, default=0)
    steps_base: Mapped[int] = mapped_column(BigInteger, default=0)
    syncs: Mapped[int] = mapped_column(default=0)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_records.id"))
    series_fp: Mapped[str | None] = mapped_column(String(32), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Partner(TimestampMixin, Model):
    """A partner system (bus company, bike share) allowed to push signed events."""

    __tablename__ = "checkin_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The HMAC secret, Fernet-encrypted with a key derived from SECRET_KEY.
    secret_enc: Mapped[str] = mapped_column(Text)
    scenarios: Mapped[str] = mapped_column(String(500), default="")  # codes joined by ","
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The partner counts these reductions itself (e.g. in its own carbon programme): the
    # records still earn points but never join a registry batch (no double counting).
    claims_reductions: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def scenario_codes(self) -> list[str]:
        return [c for c in self.scenarios.split(",") if c]


PARTNER_EVENT_CREDITED = "credited"  # paid (or recorded) for a known resident
PARTNER_EVENT_HELD = "held"  # for a partner user id nobody has bound yet: kept, not paid
PARTNER_EVENT_LAPSED = "lapsed"  # held, and not bound within the window (or refused then)


class PartnerEvent(TimestampMixin, Model):
    """A partner event; (partner, event_id) counts once, ever.

    An event naming a partner user id that no resident has bound is `held` with what it
    reported (scenario, quantity, time) and no user; binding within
    `PARTNER_HOLD_DAYS` of `occurred_at` claims it (conditional UPDATE from `held`) and
    pays it once (app/checkins/bindings.py).
    """

    __tablename__ = "checkin_partner_events"
    __table_args__ = (
        UniqueConstraint("partner_id", "event_id"),
        Index("ix_checkin_partner_events_record_id", "record_id"),
        Index("ix_checkin_partner_events_held", "partner_id", "partner_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("checkin_partners.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set in the same transaction as the claim; nullable only because the claim comes first.
    record_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_records.id"))
    status: Mapped[str] = mapped_column(String(16), default=PARTNER_EVENT_CREDITED)
    # What a held event reported (kept until it is paid or lapses).
    partner_user_id: Mapped[str | None] = mapped_column(String(128))
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_scenarios.id"))
    quantity_milli: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Why a held event lapsed when it was not paid at binding (`daily_cap_reached`...).
    note: Mapped[str] = mapped_column(String(64), default="")


class PartnerBinding(TimestampMixin, Model):
    """A resident's account at a partner: the partner's own user id, bound by the resident
    with a one-time code the partner issued. One binding per (partner, partner user id)
    and per (partner, resident)."""

    __tablename__ = "checkin_partner_bindings"
    __table_args__ = (
        UniqueConstraint("partner_id", "partner_user_id"),
        UniqueConstraint("partner_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("checkin_partners.id"))
    partner_user_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)


class PartnerBindingCode(TimestampMixin, Model):
    """A single-use code a partner issued for one of its users (only its SHA-256 kept)."""

    __tablename__ = "checkin_partner_binding_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("checkin_partners.id"), index=True)
    partner_user_id: Mapped[str] = mapped_column(String(128))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PartnerDelivery(Model):
    """One webhook call of a known partner and how it ended (credited, a repeat, or the
    reason it was refused), for the operators' "recent events" view. Written after the
    request's own transaction has ended, so refused calls are kept too; trimmed to the
    latest DELIVERIES_KEPT per partner (app/checkins/deliveries.py)."""

    __tablename__ = "checkin_partner_deliveries"
    __table_args__ = (Index("ix_checkin_partner_deliveries_partner_id_id", "partner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("checkin_partners.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    event_id: Mapped[str] = mapped_column(String(128), default="")
    status_code: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(String(200), default="")
    record_id: Mapped[int | None] = mapped_column(ForeignKey("carbon_records.id"))
