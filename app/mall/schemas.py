"""Request and response schemas of the mall (residents, merchants, operators)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.clock import SHANGHAI
from app.fields import AwareDateTime
from app.mall.models import (
    CANCEL_ALLOWED,
    CANCEL_FORBIDDEN,
    COUPON_STATUSES,
    COUPON_USED,
    EXPIRY_NO_REFUND,
    EXPIRY_REFUND,
    OFFER_STATUSES,
)
from app.pagination import PageArgsSchema

# A time without an offset, typed by a merchant in China, means Beijing time.


def _when(**kwargs) -> AwareDateTime:
    return AwareDateTime(default_timezone=SHANGHAI, **kwargs)


class _OfferTermsSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=64))
    description = fields.String(validate=validate.Length(max=2000))
    points_price = fields.Integer(strict=True, validate=validate.Range(min=1, max=10_000_000))
    stock = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "total stock of coupons"},
    )
    per_user_limit = fields.Integer(strict=True, validate=validate.Range(min=1, max=1000))
    valid_days = fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "coupons valid until the end of the N-th day after redemption"},
    )
    valid_from = _when(allow_none=True, metadata={"description": "fixed window start"})
    valid_until = _when(allow_none=True, metadata={"description": "fixed window end"})
    sale_starts_at = _when(
        allow_none=True, metadata={"description": "flash sale: redemptions open at this time"}
    )
    sale_ends_at = _when(allow_none=True)
    cancel_policy = fields.String(validate=validate.OneOf([CANCEL_ALLOWED, CANCEL_FORBIDDEN]))
    expiry_policy = fields.String(
        validate=validate.OneOf([EXPIRY_REFUND, EXPIRY_NO_REFUND]),
        metadata={"description": "whether an unused coupon's points come back when it lapses"},
    )
    settlement_value_fen = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=100_000_000),
        metadata={"description": "paid to the merchant per verified coupon, in fen"},
    )


class OfferCreateSchema(_OfferTermsSchema):
    """The contract's core fields are required; the rest have defaults."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    points_price = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=10_000_000)
    )
    stock = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=1_000_000)
    )
    per_user_limit = fields.Integer(
        load_default=1, strict=True, validate=validate.Range(min=1, max=1000)
    )


class OfferPatchSchema(_OfferTermsSchema):
    pass


class OfferRejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class OfferMerchantSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class OfferSchema(Schema):
    """An offer as its merchant and the operators see it."""

    id = fields.Integer()
    merchant_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    points_price = fields.Integer()
    stock = fields.Function(lambda offer: offer.stock_total, metadata={"type": "integer"})
    stock_total = fields.Integer()
    stock_left = fields.Integer()
    per_user_limit = fields.Integer()
    valid_days = fields.Integer(allow_none=True)
    valid_from = fields.DateTime(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)
    sale_starts_at = fields.DateTime(allow_none=True)
    sale_ends_at = fields.DateTime(allow_none=True)
    flash_sale = fields.Boolean(attribute="is_flash_sale")
    cancel_policy = fields.String()
    expiry_policy = fields.String()
    settlement_value_fen = fields.Integer()
    status = fields.String(metadata={"enum": list(OFFER_STATUSES)})
    review_note = fields.String()
    approved_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OfferStatusSchema(Schema):
    id = fields.Integer()
    status = fields.String()


class LiveOfferSchema(Schema):
    """A live offer as residents see it."""

    id = fields.Integer()
    merchant = fields.Nested(OfferMerchantSchema)
    title = fields.String()
    description = fields.String()
    points_price = fields.Integer()
    stock_total = fields.Integer()
    stock_left = fields.Integer()
    per_user_limit = fields.Integer()
    valid_days = fields.Integer(allow_none=True)
    valid_from = fields.DateTime(allow_none=True)
    valid_until = fields.DateTime(
        allow_none=True, metadata={"description": "fixed window end; null: see valid_days"}
    )
    sale_starts_at = fields.DateTime(allow_none=True)
    sale_ends_at = fields.DateTime(allow_none=True)
    flash_sale = fields.Boolean()
    cancel_policy = fields.String()
    expiry_policy = fields.String()


class LiveOfferDetailSchema(LiveOfferSchema):
    redeemed_by_me = fields.Integer(metadata={"description": "coupons of it the caller holds"})


class OfferListArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(OFFER_STATUSES))


class EmptySchema(Schema):
    """`{}`: nothing to send (unknown fields are still refused)."""


class CouponSchema(Schema):
    """A coupon as its resident sees it (with the code for the QR)."""

    id = fields.Integer()
    offer_id = fields.Integer()
    title = fields.String(attribute="offer_title")
    merchant = fields.Nested(OfferMerchantSchema, attribute="merchant_ref")
    code = fields.String()
    short_code = fields.String()
    status = fields.String(metadata={"enum": list(COUPON_STATUSES)})
    points_price = fields.Integer()
    valid_from = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
    used_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    expired_at = fields.DateTime(allow_none=True)


class CouponListArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(COUPON_STATUSES))


class RedemptionResultSchema(Schema):
    coupon = fields.Nested(CouponSchema)
    points_balance = fields.Integer()


class CancellationResultSchema(Schema):
    coupon = fields.Nested(CouponSchema)
    points_balance = fields.Integer()


class CodeSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "the QR payload, or the 10-digit short code"},
    )


def _short_code_once_used(coupon) -> str | None:
    return coupon.short_code if coupon.status == COUPON_USED else None


class MerchantCouponSchema(Schema):
    """A coupon as the merchant sees it: no full code, no resident identity, and the short
    code only once it is used (a clerk must never be able to read a code off the list and
    verify a coupon without its resident, docs/decisions/0300)."""

    id = fields.Integer()
    offer_id = fields.Integer()
    title = fields.String(attribute="offer_title")
    short_code = fields.Function(
        _short_code_once_used,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "the 10-digit short code once the coupon is used; null before",
        },
    )
    status = fields.String(metadata={"enum": list(COUPON_STATUSES)})
    points_price = fields.Integer()
    settlement_value_fen = fields.Integer()
    valid_from = fields.DateTime(allow_none=True)
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
    used_at = fields.DateTime(allow_none=True)
    verified_by = fields.Integer(allow_none=True)


class VerifyResultSchema(Schema):
    coupon = fields.Nested(MerchantCouponSchema)
