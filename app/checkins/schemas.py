"""Request and response schemas for check-ins, uploads, WeRun, partners and review."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.carbon.models import RECORD_STATUSES
from app.carbon.schemas import RecordSchema
from app.checkins.quantity import QUANTITY_SOURCES
from app.fields import AwareDateTime, Id
from app.pagination import PageArgsSchema
from app.units import QuantityError, mg_to_g, milli_to_number, to_milli

_CODE = validate.Regexp(r"^[a-z0-9_\-]{1,64}$")


class EvidenceSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(("qr", "photo")))
    token = fields.String(validate=validate.Length(min=1, max=200))
    upload_id = fields.String(validate=validate.Length(min=1, max=64))

    @validates_schema
    def _one_kind(self, data: dict, **_kwargs) -> None:
        if data["type"] == "qr" and ("token" not in data or "upload_id" in data):
            raise ValidationError("QR 凭证需要且只需要 token", "token")
        if data["type"] == "photo" and ("upload_id" not in data or "token" in data):
            raise ValidationError("照片凭证需要且只需要 upload_id", "upload_id")


class CheckinCreateSchema(Schema):
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Decimal(
        load_default=None, allow_none=True, metadata={"description": "defaults to 1 unit"}
    )
    evidence = fields.Nested(EvidenceSchema, required=True)


class CheckinResultSchema(Schema):
    """The answer to a check-in (API.md: id, scenario, status, carbon_g, points)."""

    id = fields.Integer()
    scenario = fields.String(attribute="scenario.code")
    status = fields.String()
    carbon_g = fields.Function(lambda r: mg_to_g(r.carbon_mg))
    points = fields.Integer()
    quantity = fields.Function(lambda r: milli_to_number(r.quantity_milli))
    methodology_version = fields.Integer(attribute="methodology.version")
    day = fields.Date()


class UploadFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class UploadResultSchema(Schema):
    upload_id = fields.String(attribute="public_id")
    width = fields.Integer()
    height = fields.Integer()
    content_type = fields.String()


class WerunSyncSchema(Schema):
    encrypted_data = fields.String(required=True, validate=validate.Length(min=1, max=100_000))
    iv = fields.String(required=True, validate=validate.Length(min=1, max=64))


class WerunDaySchema(Schema):
    date = fields.Date()
    steps = fields.Integer(metadata={"description": "the day's total as WeRun reported it"})
    credited_steps = fields.Integer(metadata={"description": "steps counted (up to the cap)"})
    carbon_g = fields.Float()
    points = fields.Integer(metadata={"description": "points for the day so far"})
    points_added = fields.Integer(metadata={"description": "points paid by this sync"})
    status = fields.String(
        metadata={"description": "approved; pending: held for an operator (not paid yet); rejected"}
    )


class WerunResultSchema(Schema):
    days = fields.List(fields.Nested(WerunDaySchema))


_QUANTITY_SOURCE_DOC = (
    "where a scan's quantity comes from: `scan` (count scenarios: 1 per scan; weighed ones: "
    "declared by the resident, reviewed above a small amount), `fixed` (`quantity_per_scan`) "
    "or `station` (a weighing station's signed receipt)"
)


class _SiteQuantityMixin:
    """`quantity_per_scan` in the scenario's unit, loaded as thousandths."""

    @post_load
    def _per_scan_milli(self, data: dict, **_kwargs) -> dict:
        if "quantity_per_scan" in data:
            try:
                data["quantity_per_scan_milli"] = to_milli(data.pop("quantity_per_scan"))
            except QuantityError:
                raise ValidationError("最多保留三位小数", "quantity_per_scan") from None
        return data


def _per_scan_field() -> fields.Decimal:
    # Positive and within the scenario's daily cap: checked by the service (422
    # `invalid_quantity_source`), which knows the cap.
    return fields.Decimal(
        metadata={"description": "units credited per scan when `quantity_source` is `fixed`"},
    )


class SiteCreateSchema(_SiteQuantityMixin, Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    rotation_seconds = fields.Integer(load_default=0, validate=validate.Range(0, 86400))
    per_user_daily_limit = fields.Integer(
        load_default=None,
        validate=validate.Range(1, 100),
        metadata={
            "description": "check-ins per resident per day here; default by scenario: 2 "
            "at a transit stop (bus_ride, metro_ride, metro_km, ebus_km: a return trip), "
            "else 1"
        },
    )
    quantity_source = fields.String(
        load_default="scan",
        validate=validate.OneOf(QUANTITY_SOURCES),
        metadata={"description": _QUANTITY_SOURCE_DOC},
    )
    quantity_per_scan = _per_scan_field()


class SiteUpdateSchema(_SiteQuantityMixin, Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    active = fields.Boolean()
    rotation_seconds = fields.Integer(validate=validate.Range(0, 86400))
    per_user_daily_limit = fields.Integer(validate=validate.Range(1, 100))
    quantity_source = fields.String(
        validate=validate.OneOf(QUANTITY_SOURCES), metadata={"description": _QUANTITY_SOURCE_DOC}
    )
    quantity_per_scan = _per_scan_field()


class SiteSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    scenario = fields.String(attribute="scenario.code")
    rotation_seconds = fields.Integer()
    per_user_daily_limit = fields.Integer()
    quantity_source = fields.String(metadata={"enum": list(QUANTITY_SOURCES)})
    quantity_per_scan = fields.Function(
        lambda s: (
            None
            if s.quantity_per_scan_milli is None
            else milli_to_number(s.quantity_per_scan_milli)
        ),
        metadata={"type": "number", "nullable": True},
    )
    key_version = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()


class StationKeySchema(Schema):
    site_id = fields.Integer()
    key_version = fields.Integer()
    secret = fields.String(
        metadata={"description": "hex HMAC-SHA256 key the station signs receipts with"}
    )
    receipt_format = fields.String(
        metadata={"description": "what the station encodes in the receipt's QR"}
    )


class QrArgsSchema(Schema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "png", "wxacode")),
        metadata={
            "description": "json: the payload and scene; png: a plain QR of the payload "
            "(scanned inside the mini-program); wxacode: a mini-program code from WeChat "
            "(getwxacodeunlimit) that WeChat's own scanner opens on the check-in page"
        },
    )


class QrSchema(Schema):
    site_id = fields.Integer()
    payload = fields.String()
    scene = fields.String(
        metadata={
            "description": "the short form a mini-program code carries (<= 32 characters): "
            "`s=<site id base 36>.<window base 36>.<signature>`"
        }
    )
    page = fields.String(metadata={"description": "the page the mini-program code opens"})
    expires_at = fields.DateTime(allow_none=True)


class ScanLookupArgsSchema(Schema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "a scanned site payload, mini-program scene or receipt"},
    )


class ScanSiteSchema(Schema):
    """Dumped from a Site."""

    id = fields.Integer()
    name = fields.String()
    scenario = fields.String(attribute="scenario.code")
    scenario_name = fields.String(attribute="scenario.name")


class ReviewArgsSchema(PageArgsSchema):
    status = fields.String(
        load_default="pending",
        validate=validate.OneOf([*RECORD_STATUSES, "all"]),
        metadata={"description": "`all`: every status (a resident's records)"},
    )
    user_id = Id(load_default=None, metadata={"description": "one resident's records"})
    min_risk = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "only records scored at least this (a risk history: 1)"},
    )


class RiskExplanationSchema(Schema):
    reason = fields.String(metadata={"description": "the risk_reasons slug"})
    weight = fields.Integer(metadata={"description": "what it adds to risk_score"})
    text = fields.String(metadata={"description": "what it means, in Chinese, for the operator"})


class ReviewItemSchema(Schema):
    record = fields.Nested(RecordSchema)
    user_id = fields.Integer()
    upload_id = fields.String(allow_none=True)
    risk_score = fields.Integer()
    risk_reasons = fields.List(fields.String())
    explanations = fields.List(
        fields.Nested(RiskExplanationSchema),
        metadata={"description": "each risk reason with its weight and what it means"},
    )
    expected_points = fields.Integer()


class RejectSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=200))


_CLAIMS_DOC = "the partner counts these reductions itself: they never join a registry batch"


class PartnerCreateSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scenarios = fields.List(fields.String(validate=_CODE), required=True,
                            validate=validate.Length(min=1, max=20))  # fmt: skip
    claims_reductions = fields.Boolean(load_default=False, metadata={"description": _CLAIMS_DOC})


class PartnerUpdateSchema(Schema):
    claims_reductions = fields.Boolean(required=True, metadata={"description": _CLAIMS_DOC})


class PartnerSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    scenarios = fields.List(fields.String(), attribute="scenario_codes")
    active = fields.Boolean()
    claims_reductions = fields.Boolean()
    created_at = fields.DateTime()


class PartnerSecretSchema(Schema):
    """A partner with its secret: dumped from {"partner": Partner, "secret": str}."""

    partner = fields.Nested(PartnerSchema)
    secret = fields.String(metadata={"description": "shown once; store it safely"})


_PARTNER_USER = validate.Length(min=1, max=128)


class PartnerEventSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    openid = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the resident's WeChat openid; or `partner_user_id`"},
    )
    partner_user_id = fields.String(
        load_default=None,
        validate=_PARTNER_USER,
        metadata={
            "description": "the partner's own user id (bound by the resident with a binding "
            "code); events for an id nobody bound yet are held, see the 202 answer"
        },
    )
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Decimal(required=True)
    occurred_at = AwareDateTime(required=True)

    @validates_schema
    def _one_resident(self, data: dict, **_kwargs) -> None:
        if (data.get("openid") is None) == (data.get("partner_user_id") is None):
            raise ValidationError("openid 与 partner_user_id 须且只须提供一个", "openid")


class PartnerEventResultSchema(Schema):
    event_id = fields.String()
    duplicate = fields.Boolean()
    record_id = fields.Integer(allow_none=True)
    status = fields.String(
        metadata={
            "description": "the record's status (approved...); `held`: kept for an unbound "
            "partner user, paid if bound before `held_until`; `lapsed`: not paid (`note`)"
        }
    )
    carbon_g = fields.Function(
        lambda r: None if r["carbon_mg"] is None else mg_to_g(r["carbon_mg"]),
        metadata={"type": "number", "nullable": True},
    )
    points = fields.Integer()
    held_until = fields.DateTime(allow_none=True)
    note = fields.String(
        allow_none=True,
        metadata={"description": "why a lapsed event was not paid: hold_window_passed, "
                  "daily_cap_reached, consent_required, scenario_inactive"},
    )  # fmt: skip


class BindingCodeRequestSchema(Schema):
    partner_user_id = fields.String(required=True, validate=_PARTNER_USER)


class BindingCodeSchema(Schema):
    code = fields.String(metadata={"description": "single use; the resident types it in"})
    partner_user_id = fields.String()
    expires_at = fields.DateTime()


class BindSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class PartnerRefSchema(Schema):
    code = fields.String()
    name = fields.String()
    scenarios = fields.List(fields.String(), attribute="scenario_codes")


class BindingSchema(Schema):
    """Dumped from {"binding": PartnerBinding, "partner": Partner}."""

    partner = fields.Nested(PartnerRefSchema)
    partner_user_id = fields.String(attribute="binding.partner_user_id")
    bound_at = fields.DateTime(attribute="binding.created_at")


class PaidSummarySchema(Schema):
    credited = fields.Integer(metadata={"description": "held events paid by this binding"})
    points = fields.Integer()
    lapsed = fields.Integer(metadata={"description": "held events too old or over a cap"})


class BindResultSchema(BindingSchema):
    consented = fields.List(
        fields.String(),
        metadata={"description": "scenarios whose consent the binding granted"},
    )
    paid = fields.Nested(PaidSummarySchema)


class BindingListSchema(Schema):
    items = fields.List(fields.Nested(BindingSchema))


class PartnerListSchema(Schema):
    items = fields.List(fields.Nested(PartnerRefSchema))


class PartnerDeliverySchema(Schema):
    """One webhook call of a partner and how it ended."""

    id = fields.Integer()
    received_at = fields.DateTime()
    event_id = fields.String(metadata={"description": "as sent (empty if unreadable)"})
    status_code = fields.Integer(metadata={"description": "the HTTP status we answered"})
    outcome = fields.String(metadata={"enum": ["credited", "duplicate", "refused"]})
    reason = fields.String(metadata={"description": "the refusal's reason slug"})
    message = fields.String()
    record_id = fields.Integer(allow_none=True)
    record_status = fields.String(allow_none=True)
    points = fields.Integer(allow_none=True)
    carbon_g = fields.Float(allow_none=True)
