"""Schemas of the console's own endpoints: background jobs and console accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Id
from app.stats.exports import EXPORTS

MAX_BULK = 500
_USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$", error="3-32 位字母、数字或 _ . -")


class ReviewJobSchema(Schema):
    record_ids = fields.List(
        Id(strict=True),
        required=True,
        validate=validate.Length(min=1, max=MAX_BULK),
    )
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class ExportJobSchema(Schema):
    table = fields.String(required=True, validate=validate.OneOf(sorted(EXPORTS)))


class EmptyBodySchema(Schema):
    """`{}`."""


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["checkin_review", "export", "points_expiry"]})
    label = fields.String()
    status = fields.String(
        metadata={"enum": ["queued", "started", "finished", "failed", "stopped", "expired"]}
    )
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    enqueued_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True)


class ConsoleAccountSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    nickname = fields.String()
    roles = fields.List(fields.String(), attribute="role_names")


class _AccountFields(Schema):
    username = fields.String(required=True, validate=_USERNAME)
    password = fields.String(required=True, validate=validate.Length(min=8, max=128))
    nickname = fields.String(load_default="", validate=validate.Length(max=64))


class MerchantAccountCreateSchema(_AccountFields):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    address = fields.String(load_default="", validate=validate.Length(max=255))
    phone = fields.String(load_default="", validate=validate.Length(max=32))


class MerchantAccountSchema(Schema):
    merchant = fields.Nested("MerchantBriefSchema")
    owner = fields.Nested(ConsoleAccountSchema)


class MerchantBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    owner_user_id = fields.Integer()
    status = fields.String()


class ClerkAccountCreateSchema(_AccountFields):
    pass
