"""Request and response schemas for merchants, staff, invites and settlement."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Id, Month
from app.pagination import PageArgsSchema


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


class MerchantSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    address = fields.String()
    phone = fields.String()
    owner_user_id = fields.Integer()
    status = fields.String(metadata={"enum": ["active", "frozen"]})
    frozen_at = fields.DateTime(allow_none=True)
    frozen_reason = fields.String(metadata={"description": "why an operator froze it"})
    created_at = fields.DateTime()


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


class SettlementArgsSchema(Schema):
    month = Month(
        load_default=None,
        metadata={"description": "YYYY-MM (Beijing time), 1970-01..2999-12; default: this month"},
    )


class SettlementLineSchema(Schema):
    coupon_id = fields.Integer()
    used_at = fields.DateTime()
    offer_id = fields.Integer()
    offer_title = fields.String()
    short_code = fields.String()
    verified_by = fields.Integer(allow_none=True)
    verified_by_name = fields.String(metadata={"description": "the clerk's name"})
    points_price = fields.Integer()
    settlement_value_fen = fields.Integer()


class OfferTotalSchema(Schema):
    offer_id = fields.Integer()
    offer_title = fields.String()
    coupons = fields.Integer()
    points = fields.Integer()
    settlement_fen = fields.Integer()


class SettlementSchema(Schema):
    merchant = fields.Method("_merchant")
    month = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    coupons = fields.Integer(metadata={"description": "coupons verified in the month"})
    points = fields.Integer()
    settlement_fen = fields.Integer(metadata={"description": "amount owed, in fen"})
    by_offer = fields.List(fields.Nested(OfferTotalSchema))
    items = fields.List(fields.Nested(SettlementLineSchema))

    def _merchant(self, obj) -> dict:
        return {"id": obj.merchant_id, "name": obj.merchant_name}
