"""Resident endpoints: check in, upload a photo, sync WeRun steps."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.checkins import models as _models  # noqa: F401  (registers the tables)
from app.checkins import service, werun
from app.checkins.schemas import (
    CheckinCreateSchema,
    CheckinResultSchema,
    ScanLookupArgsSchema,
    ScanSiteSchema,
    UploadFileSchema,
    UploadResultSchema,
    WerunResultSchema,
    WerunSyncSchema,
)
from app.idempotency import idempotent

blp = Blueprint("checkins", __name__, description="打卡 Check-ins")


@blp.route("/checkins", methods=["POST"])
@resident_required
@idempotent
@blp.arguments(CheckinCreateSchema)
@blp.response(201, CheckinResultSchema)
@blp.alt_response(400, description="invalid_qr")
@blp.alt_response(404, description="scenario_not_found, upload_not_found")
@blp.alt_response(
    409,
    description="daily_cap_reached, duplicate_evidence, site_limit_reached, scenario_inactive",
)
@blp.alt_response(422, description="evidence_not_accepted, invalid_quantity, quantity_required")
@blp.alt_response(429, description="rate_limited")
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def create_checkin(body: dict):
    """Check in a behaviour with a scanned site code or an uploaded photo.

    A scan proves presence, not quantity: count scenarios (rides, boxes) take one unit per
    scan (any other `quantity` is 422 `invalid_quantity`); weighed ones (kg) take it from
    the site's fixed quantity or a weighing station's signed receipt, and otherwise need the
    resident's `quantity` (422 `quantity_required`), which waits for review above a small
    amount. QR check-ins are approved at once (points paid) unless the risk score sends
    them to review; photo check-ins always wait for an operator (`status: pending`).
    """
    return service.record_checkin(
        current_principal().user_id, body["scenario"], body["quantity"], body["evidence"]
    )


@blp.route("/sites/lookup", methods=["GET"])
@resident_required
@blp.arguments(ScanLookupArgsSchema, location="query")
@blp.response(200, ScanSiteSchema)
@blp.alt_response(400, description="invalid_qr")
def lookup_site(args: dict):
    """The site and scenario of a scanned code (a site's payload, the `scene` a
    mini-program code opened the check-in page with, or a weighing receipt): the check-in
    page then submits it with the right scenario. Checks the signature, so it tells
    nothing about codes nobody printed."""
    return service.describe_scan(args["token"])


@blp.route("/uploads", methods=["POST"])
@resident_required
@blp.arguments(UploadFileSchema, location="files")
@blp.response(201, UploadResultSchema)
@blp.alt_response(422, description="invalid_image")
@blp.alt_response(429, description="rate_limited")
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def create_upload(files: dict):
    """Upload a photo (JPEG, PNG or WebP) to use as check-in evidence."""
    return service.save_photo(current_principal().user_id, files["file"].read())


@blp.route("/werun/sync", methods=["POST"])
@resident_required
@blp.arguments(WerunSyncSchema)
@blp.response(200, WerunResultSchema)
@blp.alt_response(400, description="invalid_encrypted_data, stale_data")
@blp.alt_response(409, description="consent_required: WeRun consent was withdrawn")
@blp.alt_response(429, description="rate_limited")
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def sync_werun(body: dict):
    """Credit WeRun steps from wx.getWeRunData (today and yesterday; re-sync pays growth).

    A day the anti-cheat rules find suspicious comes back `status: pending`: recorded,
    not paid, until an operator approves it in the review queue.
    """
    days = werun.sync_werun(current_principal().user_id, body["encrypted_data"], body["iv"])
    return {"days": days}
