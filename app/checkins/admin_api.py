"""Operator endpoints: QR sites, the review queue, evidence photos, partners."""

from __future__ import annotations

from flask import Response, send_file
from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import current_principal, operator_required
from app.checkins import deliveries, partners, service
from app.checkins.receipts import RECEIPT_FORMAT
from app.checkins.schemas import (
    PartnerCreateSchema,
    PartnerDeliverySchema,
    PartnerSchema,
    PartnerSecretSchema,
    PartnerUpdateSchema,
    QrArgsSchema,
    QrSchema,
    RejectSchema,
    ReviewArgsSchema,
    ReviewItemSchema,
    SiteCreateSchema,
    SiteSchema,
    SiteUpdateSchema,
    StationKeySchema,
)
from app.pagination import Page, PageArgsSchema, page_schema

blp = Blueprint("admin_checkins", __name__, description="打卡点与审核 Sites and review (operators)")


@blp.route("/sites", methods=["POST"])
@operator_required
@audited("sites.create", "site:{id}")
@blp.arguments(SiteCreateSchema)
@blp.response(201, SiteSchema)
@blp.alt_response(404, description="scenario_not_found")
@blp.alt_response(
    422, description="evidence_not_accepted: the scenario takes no QR; invalid_quantity_source"
)
def create_site(body: dict):
    """Create a QR site for a scenario (`rotation_seconds` > 0 for a screen-shown code)."""
    return service.create_site(
        body["name"],
        body["scenario"],
        created_by=current_principal().user_id,
        rotation_seconds=body["rotation_seconds"],
        per_user_daily_limit=body["per_user_daily_limit"],
        quantity_source=body["quantity_source"],
        quantity_per_scan_milli=body.get("quantity_per_scan_milli"),
    )


@blp.route("/sites", methods=["GET"])
@operator_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(SiteSchema))
def list_sites(args: dict):
    """QR sites, newest first."""
    return Page(*service.list_sites(args["limit"], args["cursor"]))


@blp.route("/sites/<int:site_id>", methods=["PATCH"])
@operator_required
@audited("sites.update", "site:{site_id}")
@blp.arguments(SiteUpdateSchema)
@blp.response(200, SiteSchema)
@blp.alt_response(404, description="site_not_found")
@blp.alt_response(422, description="invalid_quantity_source")
def update_site(body: dict, site_id: int):
    """Rename, (de)activate or change the limits of a site."""
    return service.update_site(site_id, **body)


@blp.route("/sites/<int:site_id>/rotate-key", methods=["POST"])
@operator_required
@audited("sites.rotate_key", "site:{site_id}")
@blp.response(200, SiteSchema)
@blp.alt_response(404, description="site_not_found")
def rotate_site_key(site_id: int):
    """Retire every code printed so far (reprint the new one)."""
    return service.rotate_site_key(site_id)


@blp.route("/sites/<int:site_id>/station-key", methods=["POST"])
@operator_required
@audited("sites.station_key", "site:{site_id}")
@blp.response(200, StationKeySchema)
@blp.alt_response(404, description="site_not_found")
@blp.alt_response(422, description="invalid_quantity_source: the site is no weighing station")
def station_key(site_id: int):
    """The key a weighing station signs its receipts with, to provision into the station
    (audited; rotating the site's key retires it). Receipt format: docs/decisions/0700."""
    site, secret = service.station_key(site_id)
    return {
        "site_id": site.id,
        "key_version": site.key_version,
        "secret": secret,
        "receipt_format": RECEIPT_FORMAT,
    }


@blp.route("/sites/<int:site_id>/qr", methods=["GET"])
@operator_required
@blp.arguments(QrArgsSchema, location="query")
@blp.response(200, QrSchema, content_type="application/json")
# Both bodies of the one 200 (an alt_response for the same status would replace the JSON).
@blp.doc(responses={"200": {
    "description": "JSON payload and scene; `?format=png` the QR image, `?format=wxacode` "
                   "the mini-program code (PNG, from WeChat)",
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Qr"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
    },
}})  # fmt: skip
@blp.alt_response(404, description="site_not_found")
@blp.alt_response(422, description="scene_too_long (an id and window beyond 32 characters)")
@blp.alt_response(503, description="wechat_unavailable (wxacode only)")
def site_qr(args: dict, site_id: int):
    """The signed payload a site's QR encodes now and the short scene of its mini-program
    code; `?format=png` for the QR image, `?format=wxacode` for the mini-program code."""
    if args["format"] == "png":
        return Response(service.site_qr_png(site_id), mimetype="image/png")
    if args["format"] == "wxacode":
        return Response(service.site_wxacode_png(site_id), mimetype="image/png")
    site, payload, expires_at = service.site_qr(site_id)
    return {
        "site_id": site.id, "payload": payload, "scene": service.site_scene(site),
        "page": service.CHECKIN_PAGE, "expires_at": expires_at,
    }  # fmt: skip


@blp.route("/checkins", methods=["GET"])
@operator_required
@blp.arguments(ReviewArgsSchema, location="query")
@blp.response(200, page_schema(ReviewItemSchema))
def review_queue(args: dict):
    """Check-ins by status (default `pending`: the review queue; `all`), newest first;
    `?user_id=` for one resident's, `&min_risk=1` for their risk history."""
    return Page(
        *service.review_queue(
            args["status"], args["limit"], args["cursor"], args["user_id"], args["min_risk"]
        )
    )


@blp.route("/checkins/<int:record_id>/approve", methods=["POST"])
@operator_required
@audited("checkins.approve", "checkin:{record_id}")
@blp.response(200, ReviewItemSchema)
@blp.alt_response(404, description="checkin_not_found")
@blp.alt_response(409, description="already_decided")
def approve_checkin(record_id: int):
    """Approve a pending check-in: its points are paid in one ledger transaction."""
    return service.approve_checkin(record_id, current_principal().user_id)


@blp.route("/checkins/<int:record_id>/reject", methods=["POST"])
@operator_required
@audited("checkins.reject", "checkin:{record_id}")
@blp.arguments(RejectSchema)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(404, description="checkin_not_found")
@blp.alt_response(409, description="already_decided")
def reject_checkin(body: dict, record_id: int):
    """Reject a pending check-in (no points; it no longer counts toward the cap)."""
    return service.reject_checkin(record_id, current_principal().user_id, body["note"])


@blp.route("/uploads/<string:upload_id>", methods=["GET"])
@operator_required
@blp.response(200, content_type="image/*")
@blp.alt_response(404, description="upload_not_found")
def get_upload(upload_id: str):
    """An evidence photo (as stored: re-encoded without metadata)."""
    path, content_type = service.upload_file(upload_id)
    return send_file(path, mimetype=content_type, max_age=0)


@blp.route("/partners", methods=["POST"])
@operator_required
@audited("partners.create", "partner:{code}")
@blp.arguments(PartnerCreateSchema)
@blp.response(201, PartnerSecretSchema)
@blp.alt_response(409, description="partner_exists")
@blp.alt_response(422, description="evidence_not_accepted")
def create_partner(body: dict):
    """Register a partner system; the answer carries its HMAC secret, shown only once."""
    partner, secret = partners.create_partner(
        body["code"], body["name"], body["scenarios"], body["claims_reductions"]
    )
    return {"partner": partner, "secret": secret}


@blp.route("/partners/<int:partner_id>", methods=["PATCH"])
@operator_required
@audited("partners.update", "partner:{partner_id}")
@blp.arguments(PartnerUpdateSchema)
@blp.response(200, PartnerSchema)
@blp.alt_response(404, description="partner_not_found")
def update_partner(body: dict, partner_id: int):
    """Say whether the partner counts these reductions itself (future registry batches)."""
    return partners.set_partner_claims(partner_id, body["claims_reductions"])


@blp.route("/partners", methods=["GET"])
@operator_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(PartnerSchema))
def list_partners(args: dict):
    """Partner systems, newest first (secrets are never shown again)."""
    return Page(*partners.list_partners(args["limit"], args["cursor"]))


@blp.route("/partners/<int:partner_id>/rotate-secret", methods=["POST"])
@operator_required
@audited("partners.rotate_secret", "partner:{partner_id}")
@blp.response(200, PartnerSecretSchema)
@blp.alt_response(404, description="partner_not_found")
def rotate_partner_secret(partner_id: int):
    """Issue a new secret for a partner; the old one stops working at once."""
    partner, secret = partners.rotate_partner_secret(partner_id)
    return {"partner": partner, "secret": secret}


@blp.route("/partners/<int:partner_id>/events", methods=["GET"])
@operator_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(PartnerDeliverySchema))
@blp.alt_response(404, description="partner_not_found")
def partner_events(args: dict, partner_id: int):
    """The partner's recent webhook calls (the latest 500), newest first: credited, a
    repeat of an event_id, or refused with the reason we answered (a bad signature, a
    stale timestamp, an unknown resident, a cap)."""
    return Page(*deliveries.list_deliveries(partner_id, args["limit"], args["cursor"]))
