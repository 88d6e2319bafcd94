"""Request and response schemas for the resident ledger and operator adjustments."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Id
from app.ledger.models import ADJUSTMENT_APPLIED, ADJUSTMENT_PENDING, ADJUSTMENT_REJECTED
from app.pagination import PageArgsSchema

MAX_ADJUSTMENT = 1_000_000


class LedgerEntrySchema(Schema):
    id = fields.Integer(metadata={"description": "entry id (the cursor key)"})
    created_at = fields.DateTime()
    amount = fields.Integer(metadata={"description": "signed: + earned, - spent or expired"})
    balance_after = fields.Integer()
    code = fields.String(metadata={"description": "checkin_reward, redemption, expiry, ..."})
    memo = fields.String()
    transaction_id = fields.Integer()


class ExpiringLotSchema(Schema):
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "null: never"})
    points = fields.Integer(attribute="remaining")


class ExpiringPointsSchema(Schema):
    items = fields.List(fields.Nested(ExpiringLotSchema))


class AdjustmentCreateSchema(Schema):
    user_id = Id(required=True, strict=True)
    amount = fields.Integer(
        required=True,
        strict=True,
        validate=[
            validate.Range(min=-MAX_ADJUSTMENT, max=MAX_ADJUSTMENT),
            validate.NoneOf([0], error="不能为 0"),
        ],
        metadata={"description": "signed points: + credit, - debit"},
    )
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class AdjustmentDecisionSchema(Schema):
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class AdjustmentSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    amount = fields.Integer()
    reason = fields.String()
    status = fields.String(
        metadata={"enum": [ADJUSTMENT_PENDING, ADJUSTMENT_APPLIED, ADJUSTMENT_REJECTED]}
    )
    maker_id = fields.Integer()
    checker_id = fields.Integer(allow_none=True)
    decision_note = fields.String(allow_none=True)
    transaction_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class AdjustmentStatusSchema(Schema):
    id = fields.Integer()
    status = fields.String()


class AdjustmentListArgsSchema(PageArgsSchema):
    status = fields.String(
        load_default=None,
        validate=validate.OneOf([ADJUSTMENT_PENDING, ADJUSTMENT_APPLIED, ADJUSTMENT_REJECTED]),
    )
    user_id = Id(load_default=None)


class ResidentPointsSchema(Schema):
    user_id = fields.Integer()
    points_balance = fields.Integer()
    items = fields.List(fields.Nested(LedgerEntrySchema))
    next_cursor = fields.String(allow_none=True)
