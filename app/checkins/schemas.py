"""Request and response schemas for check-ins, uploads, WeRun, partners and review."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.carbon.models import RECORD_STATUSES
from app.carbon.rules import mg_to_g, milli_to_number
from app.carbon.schemas import RecordSchema
from app.fields import AwareDateTime
from app.pagination import PageArgsSchema

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


class WerunResultSchema(Schema):
    days = fields.List(fields.Nested(WerunDaySchema))


class SiteCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    rotation_seconds = fields.Integer(load_default=0, validate=validate.Range(0, 86400))
    per_user_daily_limit = fields.Integer(load_default=1, validate=validate.Range(1, 100))


class SiteUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    active = fields.Boolean()
    rotation_seconds = fields.Integer(validate=validate.Range(0, 86400))
    per_user_daily_limit = fields.Integer(validate=validate.Range(1, 100))


class SiteSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    scenario = fields.String(attribute="scenario.code")
    rotation_seconds = fields.Integer()
    per_user_daily_limit = fields.Integer()
    key_version = fields.Integer()
    active = fields.Boolean()
    created_at = fields.DateTime()


class QrArgsSchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "png")))


class QrSchema(Schema):
    site_id = fields.Integer()
    payload = fields.String()
    expires_at = fields.DateTime(allow_none=True)


class ReviewArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(RECORD_STATUSES))


class ReviewItemSchema(Schema):
    record = fields.Nested(RecordSchema)
    user_id = fields.Integer()
    upload_id = fields.String(allow_none=True)
    risk_score = fields.Integer()
    risk_reasons = fields.List(fields.String())
    expected_points = fields.Integer()


class RejectSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=200))


class PartnerCreateSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scenarios = fields.List(fields.String(validate=_CODE), required=True,
                            validate=validate.Length(min=1, max=20))  # fmt: skip


class PartnerSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    scenarios = fields.List(fields.String(), attribute="scenario_codes")
    active = fields.Boolean()
    created_at = fields.DateTime()


class PartnerSecretSchema(Schema):
    """A partner with its secret: dumped from {"partner": Partner, "secret": str}."""

    partner = fields.Nested(PartnerSchema)
    secret = fields.String(metadata={"description": "shown once; store it safely"})


class PartnerEventSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    openid = fields.String(required=True, validate=validate.Length(min=1, max=64))
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Decimal(required=True)
    occurred_at = AwareDateTime(required=True)


class PartnerEventResultSchema(Schema):
    event_id = fields.String()
    duplicate = fields.Boolean()
    record_id = fields.Integer(attribute="record.id")
    status = fields.String(attribute="record.status")
    carbon_g = fields.Function(lambda r: mg_to_g(r["record"].carbon_mg))
    points = fields.Integer(attribute="record.points")
