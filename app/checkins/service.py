"""Check-ins: turn evidence into carbon records, within caps, and the review queue.

`record_checkin` runs in the request's one transaction: verify the evidence, take the
site and scenario allowances (conditional UPDATEs), score the risk, create the record,
and approve it at once (one ledger transaction) unless it is a photo or looks risky, in
which case it waits for an operator. Any failure rolls all of it back.
"""

from __future__ import annotations

from decimal import Decimal

from app.carbon import service as carbon
from app.carbon.models import CarbonRecord
from app.carbon.rules import RuleError, shanghai_day, to_milli
from app.checkins import caps, duplicates, ratelimit, risk, sites, uploads
from app.checkins.models import Upload

# Re-exported for views and other domains.
from app.checkins.sites import (  # noqa: F401
    create_site,
    list_sites,
    rotate_site_key,
    site_qr,
    site_qr_png,
    update_site,
)
from app.checkins.uploads import upload_file  # noqa: F401
from app.console.notify import notify_checkin_rejected
from app.db import utcnow
from app.errors import Conflict, Unprocessable
from app.pagination import paginate_desc
from app.users import service as users


class EvidenceNotAccepted(Unprocessable):
    reason, message = "evidence_not_accepted", "该场景不接受这种打卡凭证"


class InvalidQuantity(Unprocessable):
    reason, message = "invalid_quantity", "数量无效"


class ScenarioInactive(Conflict):
    reason, message = "scenario_inactive", "该场景暂未开放打卡"


def parse_quantity(quantity: Decimal | None, *, fractional: bool, cap_milli: int) -> int:
    """A check-in quantity as thousandths: 1 when absent, whole unless the unit is
    fractional (kg, km), never above the daily cap. Raises InvalidQuantity (422)."""
    try:
        milli = 1000 if quantity is None else to_milli(quantity)
    except RuleError:
        raise InvalidQuantity("数量最多保留三位小数") from None
    if milli <= 0:
        raise InvalidQuantity("数量必须大于 0")
    if not fractional and milli % 1000:
        raise InvalidQuantity("该场景的数量必须是整数")
    if milli > cap_milli:
        raise caps.DailyCapReached("数量超过了该场景的每日上限")
    return milli


def record_checkin(
    user_id: int, scenario_code: str, quantity: Decimal | None, evidence: dict
) -> CarbonRecord:
    """Check in one behaviour with QR or photo evidence.

    Raises RateLimited (429), ScenarioNotFound (404), ScenarioInactive,
    EvidenceNotAccepted, InvalidQuantity (422), InvalidQr (400), UploadNotFound (404),
    DuplicateEvidence, SiteLimitReached, DailyCapReached (409).
    """
    ratelimit.hit("checkin", user_id)
    scenario = carbon.get_scenario(scenario_code)
    if not scenario.active:
        raise ScenarioInactive()
    kind = evidence["type"]
    if kind not in scenario.evidence_types:
        raise EvidenceNotAccepted()
    quantity_milli = parse_quantity(
        quantity, fractional=scenario.fractional, cap_milli=scenario.daily_cap_milli
    )
    now = utcnow()
    day = shanghai_day(now)
    upload = site = fingerprint = None
    if kind == "qr":
        site = sites.resolve_site_token(evidence["token"], scenario.id)
        caps.reserve(user_id, day, caps.site_subject(site.id), 1, site.per_user_daily_limit,
                     error=caps.SiteLimitReached)  # fmt: skip
        evidence_ref = f"site:{site.id}"
    else:
        upload = uploads.own_upload(user_id, evidence["upload_id"])
        fingerprint = duplicates.check_not_duplicate(upload)  # locks first: before the caps
        evidence_ref = f"upload:{upload.public_id}"
    caps.reserve(
        user_id, day, caps.scenario_subject(scenario.id), quantity_milli, scenario.daily_cap_milli
    )
    assessed = risk.score_checkin(
        user_id=user_id,
        account_created_at=users.account_created_at(user_id),
        quantity_milli=quantity_milli,
        daily_cap_milli=scenario.daily_cap_milli,
        evidence_ref=evidence_ref if site else None,
        now=now,
    )
    record = carbon.create_record(
        user_id,
        scenario,
        quantity_milli,
        evidence_type=kind,
        evidence_ref=evidence_ref,
        occurred_at=now,
        risk_score=assessed.score,
        risk_reasons=",".join(assessed.reasons),
    )
    if upload is not None:
        duplicates.claim_photo(upload, record.id, fingerprint)
        return record  # photos always wait for a person
    if assessed.needs_review:
        return record
    return carbon.approve_record(record.id)


def save_photo(user_id: int, data: bytes) -> Upload:
    """Store a photo for later use as evidence.

    Raises RateLimited (429), InvalidImage (422 `invalid_image`).
    """
    ratelimit.hit("upload", user_id)
    return uploads.save_upload(user_id, data)


def review_queue(status: str, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
    """Records by status for operators, newest first, with their photo. Raises InvalidCursor."""
    records, next_cursor = paginate_desc(
        carbon.records_stmt(status=status), CarbonRecord.id, limit, cursor
    )
    return [review_item(record) for record in records], next_cursor


def review_item(record: CarbonRecord) -> dict:
    """A record as the review queue shows it."""
    upload = uploads.evidence_upload(record.id) if record.evidence_type == "photo" else None
    return {
        "record": record,
        "user_id": record.user_id,
        "upload_id": upload.public_id if upload is not None and upload.path else None,
        "risk_score": record.risk_score,
        "risk_reasons": [r for r in record.risk_reasons.split(",") if r],
        "expected_points": carbon.compute_record_points(record),
    }


def approve_checkin(record_id: int, operator_id: int) -> dict:
    """Approve a pending check-in and pay its points.

    Raises RecordNotFound (404 `checkin_not_found`), AlreadyDecided (409).
    """
    return review_item(carbon.approve_record(record_id, decided_by=operator_id))


def reject_checkin(record_id: int, operator_id: int, note: str = "") -> dict:
    """Reject a pending check-in; it stops counting toward the resident's daily cap, and
    the resident gets a WeChat subscribe message with the reason after the commit.

    Raises RecordNotFound, AlreadyDecided (409).
    """
    record = carbon.reject_record(record_id, decided_by=operator_id, note=note)
    caps.release(
        record.user_id, record.day, caps.scenario_subject(record.scenario_id),
        record.quantity_milli,
    )  # fmt: skip
    notify_checkin_rejected(record)  # a WeChat notice, queued once this commits
    return review_item(record)
