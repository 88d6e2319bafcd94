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
from app.checkins import (
    approval,
    caps,
    duplicates,
    outcomes,
    ratelimit,
    receipts,
    risk,
    sites,
    uploads,
    werun,
)
from app.checkins import quantity as quantities
from app.checkins.errors import EvidenceNotAccepted, ScenarioInactive
from app.checkins.models import Upload
from app.checkins.notices import notify_checkin_rejected
from app.checkins.partners import partners_claiming_reductions  # noqa: F401  (registry)

# Re-exported for views and other domains.
from app.checkins.sites import (  # noqa: F401
    CHECKIN_PAGE,
    create_site,
    describe_scan,
    list_sites,
    rotate_site_key,
    site_qr,
    site_qr_png,
    site_scene,
    site_wxacode_png,
    station_key,
    update_site,
)
from app.checkins.uploads import upload_file  # noqa: F401
from app.clock import shanghai_day
from app.db import utcnow
from app.ledger import service as ledger
from app.pagination import paginate_desc
from app.users import service as users


def record_checkin(
    user_id: int, scenario_code: str, quantity: Decimal | None, evidence: dict
) -> CarbonRecord:
    """Check in one behaviour with QR or photo evidence.

    A QR scan proves presence, not quantity: its quantity comes from the scenario and the
    site (app/checkins/quantity.py); a quantity the resident declares alone is paid at once
    only up to a small amount, else it waits for review like a photo.

    Raises AccountFrozen (403 `account_frozen`), RateLimited (429), ScenarioNotFound (404),
    ScenarioInactive, EvidenceNotAccepted, InvalidQuantity, QuantityRequired (422),
    InvalidQr (400), UploadNotFound (404),
    DuplicateEvidence, ReceiptAlreadyUsed, SiteLimitReached, DailyCapReached (409).
    """
    with outcomes.counted(scenario_code, evidence["type"]) as kept:
        record = _record_checkin(user_id, scenario_code, quantity, evidence)
        kept(record.status)
    return record


def _record_checkin(
    user_id: int, scenario_code: str, quantity: Decimal | None, evidence: dict
) -> CarbonRecord:
    signed_up_at = users.signed_up_unless_frozen(user_id)  # 403 account_frozen
    ratelimit.hit("checkin", user_id)
    scenario = carbon.get_scenario(scenario_code)
    if not scenario.active:
        raise ScenarioInactive()
    kind = evidence["type"]
    if kind not in scenario.evidence_types:
        raise EvidenceNotAccepted()
    typed_milli = quantities.parse_typed(quantity)
    now = utcnow()
    day = shanghai_day(now)
    upload = site = fingerprint = receipt = None
    # Reads first (the site, the risk counts): on SQLite they stay outside the writer
    # queue, which this request joins at its first write (app/sqlite_engine.py).
    if kind == "qr":
        site, receipt = sites.resolve_scan(evidence["token"], scenario.id)
        amount = quantities.for_scan(scenario, site, receipt, typed_milli)
        evidence_ref = f"site:{site.id}"
    else:
        amount = quantities.for_photo(scenario, typed_milli)
        upload = uploads.own_upload(user_id, evidence["upload_id"])
        evidence_ref = f"upload:{upload.public_id}"
    # The methodology version and the live campaigns are reads too (issue 13, step 1).
    version = carbon.current_version(scenario.id, now)
    assessed = risk.score_checkin(
        user_id=user_id,
        account_created_at=signed_up_at,
        quantity_milli=amount.milli,
        daily_cap_milli=scenario.daily_cap_milli,
        evidence_ref=evidence_ref if site else None,
        now=now,
        declared_points=(
            carbon.base_points_for(scenario, amount.milli, now, version)
            if amount.declared
            else None
        ),
    )
    at_once = upload is None and not assessed.needs_review  # photos wait for a person
    live = None
    if at_once:
        live = approval.live_campaigns(scenario.code, now)
        ledger.read_accounts_ahead(user_id, "issuance")
    if site is not None:
        caps.reserve(user_id, day, caps.site_subject(site.id), 1, site.per_user_daily_limit,
                     error=caps.SiteLimitReached)  # fmt: skip
        if receipt is not None:
            receipts.claim_receipt(receipt, user_id)
    elif upload is not None:
        fingerprint = duplicates.check_not_duplicate(upload)  # locks first: before the caps
    caps.reserve(
        user_id, day, caps.scenario_subject(scenario.id), amount.milli, scenario.daily_cap_milli
    )
    record = carbon.create_record(
        user_id,
        scenario,
        amount.milli,
        evidence_type=kind,
        evidence_ref=evidence_ref,
        occurred_at=now,
        risk_score=assessed.score,
        risk_reasons=",".join(assessed.reasons),
        approved=at_once,
        version=version,
    )
    if upload is not None:
        # mypy: fingerprint is set whenever upload is (both in the photo branch above).
        duplicates.claim_photo(upload, record.id, fingerprint)  # type: ignore[arg-type]
    return approval.pay_campaigns(record, live) if at_once else record


def own_upload_id(user_id: int, public_id: str) -> str:
    """The public id of one of the caller's stored uploads (a merchant's licence photo).

    Raises UploadNotFound (404 `upload_not_found`, also for someone else's)."""
    return uploads.own_upload(user_id, public_id).public_id


def save_photo(user_id: int, data: bytes) -> Upload:
    """Store a photo for later use as evidence.

    Raises AccountFrozen (403 `account_frozen`), RateLimited (429), InvalidImage (422
    `invalid_image`).
    """
    users.require_not_frozen(user_id)
    ratelimit.hit("upload", user_id)
    return uploads.save_upload(user_id, data)


def review_queue(
    status: str,
    limit: int,
    cursor: str | None,
    user_id: int | None = None,
    min_risk: int | None = None,
) -> tuple[list[dict], str | None]:
    """Records by status (`all`: any) for operators, newest first, with their photo; of one
    resident with `user_id`, scored at least `min_risk`. Raises InvalidCursor."""
    stmt = carbon.records_stmt(status=None if status == "all" else status)
    if user_id is not None:
        stmt = stmt.where(CarbonRecord.user_id == user_id)
    if min_risk is not None:
        stmt = stmt.where(CarbonRecord.risk_score >= min_risk)
    records, next_cursor = paginate_desc(stmt, CarbonRecord.id, limit, cursor)
    return [review_item(record) for record in records], next_cursor


def review_item(record: CarbonRecord) -> dict:
    """A record as the review queue shows it, with each risk reason explained."""
    upload = uploads.evidence_upload(record.id) if record.evidence_type == "photo" else None
    reasons = [r for r in record.risk_reasons.split(",") if r]
    return {
        "record": record,
        "user_id": record.user_id,
        "upload_id": upload.public_id if upload is not None and upload.path else None,
        "risk_score": record.risk_score,
        "risk_reasons": reasons,
        "explanations": risk.explain(reasons, record.risk_notes),
        "expected_points": carbon.compute_record_points(record),
    }


def approve_checkin(record_id: int, operator_id: int) -> dict:
    """Approve a pending check-in and pay its points (a held WeRun day: its whole
    credited amount, once).

    Raises RecordNotFound (404 `checkin_not_found`), AlreadyDecided (409).
    """
    record = carbon.get_record(record_id)
    reward, with_campaigns = None, True
    if record.evidence_type == "werun":
        reward, with_campaigns = werun.review_reward(record)
    approved = approval.approve(
        record_id, decided_by=operator_id, reward=reward, with_campaigns=with_campaigns
    )
    return review_item(approved)


def reject_checkin(record_id: int, operator_id: int, note: str = "") -> dict:
    """Reject a pending check-in; it stops counting toward the resident's daily cap, and
    the resident gets a WeChat subscribe message with the reason after the commit.

    Raises RecordNotFound, AlreadyDecided (409).
    """
    record = carbon.reject_record(record_id, decided_by=operator_id, note=note)
    if record.evidence_type != "werun":  # a WeRun day is capped by its own row, not a counter
        caps.release(
            record.user_id, record.day, caps.scenario_subject(record.scenario_id),
            record.quantity_milli,
        )  # fmt: skip
    notify_checkin_rejected(record)  # a WeChat notice, queued once this commits
    return review_item(record)
