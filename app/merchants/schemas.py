"""Request and response schemas for merchants, staff, invites and settlement."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.fields import Id
from app.merchants.models import APPLICATION_STATUSES
from app.pagination import PageArgsSchema

_PHONE = validate.Regexp(r"^[0-9+\-() ]{5,32}$", error="电话号码格式不对")
_GCJ02 = "degrees x 1e6, GCJ-02 (the datum WeChat's <map> and wx.getLocation use)"


def _latitude(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True, validate=validate.Range(-90_000_000, 90_000_000),
        metadata={"description": _GCJ02}, **kwargs,
    )  # fmt: skip


def _longitude(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True, validate=validate.Range(-180_000_000, 180_000_000),
        metadata={"description": _GCJ02}, **kwargs,
    )  # fmt: skip


def _hours(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "free text, e.g. 每天 9:00-21:00"}, **kwargs,
    )  # fmt: skip


class MerchantCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    owner_user_id = Id(required=True, strict=True)
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    phone = fields.String(load_default="", validate=validate.Length(max=32))


class MerchantProfilePatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    description = fields.String(validate=validate.Length(max=2000))
    address = fields.String(validate=validate.Length(max=255))
    phone = fields.String(validate=validate.Length(max=32))
    opening_hours = _hours()
    latitude_e6 = _latitude(allow_none=True)
    longitude_e6 = _longitude(allow_none=True)

    @validates_schema
    def _position_whole(self, data: dict, **_kwargs) -> None:
        if ("latitude_e6" in data) != ("longitude_e6" in data):
            raise ValidationError("经纬度需同时提供", "latitude_e6")
        if (data.get("latitude_e6") is None) != (data.get("longitude_e6") is None):
            raise ValidationError("经纬度需同时提供或同时清空", "latitude_e6")


class MerchantSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    address = fields.String()
    phone = fields.String()
    opening_hours = fields.String()
    latitude_e6 = fields.Integer(allow_none=True, metadata={"description": _GCJ02})
    longitude_e6 = fields.Integer(allow_none=True, metadata={"description": _GCJ02})
    owner_user_id = fields.Integer()
    status = fields.String(metadata={"enum": ["active", "frozen"]})
    frozen_at = fields.DateTime(allow_none=True)
    frozen_reason = fields.String(metadata={"description": "why an operator froze it"})
    created_at = fields.DateTime()


class MerchantPlaceSchema(Schema):
    """A merchant as residents see it: where to use its coupons (no owner, no status)."""

    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    address = fields.String()
    phone = fields.String()
    opening_hours = fields.String()
    latitude_e6 = fields.Integer(allow_none=True, metadata={"description": _GCJ02})
    longitude_e6 = fields.Integer(allow_none=True, metadata={"description": _GCJ02})


class ApplicationCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    address = fields.String(required=True, validate=validate.Length(min=1, max=255))
    phone = fields.String(required=True, validate=_PHONE)
    opening_hours = _hours(required=True)
    latitude_e6 = _latitude(required=True)
    longitude_e6 = _longitude(required=True)
    licence_upload_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "`upload_id` of the licence photo sent to POST /uploads"},
    )


class ApplicationSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    name = fields.String()
    description = fields.String()
    address = fields.String()
    phone = fields.String()
    opening_hours = fields.String()
    latitude_e6 = fields.Integer(metadata={"description": _GCJ02})
    longitude_e6 = fields.Integer(metadata={"description": _GCJ02})
    licence_upload_id = fields.String(
        metadata={"description": "operators see the photo at GET /admin/uploads/{upload_id}"}
    )
    status = fields.String(metadata={"enum": list(APPLICATION_STATUSES)})
    review_note = fields.String(metadata={"description": "the operator's reason (rejected)"})
    merchant_id = fields.Integer(allow_none=True, metadata={"description": "once approved"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class ApplicationListArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(APPLICATION_STATUSES))


class ApplicationRejectSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "told to the applicant (notice and mini-program)"},
    )


class MerchantListArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["active", "frozen"]))


class UnfreezeSchema(Schema):
    """`{}`."""


class MerchantFreezeSchema(Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "冻结原因（商户可见）"},
    )


class MerchantRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class InviteSchema(Schema):
    invite_code = fields.String(metadata={"description": "single use; dashes optional"})
    expires_at = fields.DateTime()


class JoinSchema(Schema):
    invite_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class JoinResultSchema(Schema):
    merchant = fields.Nested(MerchantRefSchema)
    role = fields.String()


class StaffSchema(Schema):
    user_id = fields.Integer()
    nickname = fields.String(metadata={"description": "the person's name"})
    role = fields.String(metadata={"enum": ["owner", "clerk"]})
    joined_at = fields.DateTime(attribute="created_at")
