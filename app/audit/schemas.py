"""Schemas for reading the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Id
from app.pagination import PageArgsSchema


class AuditEntrySchema(Schema):
    id = fields.Integer()
    actor_id = fields.Integer(allow_none=True, metadata={"description": "null: the system"})
    action = fields.String()
    target = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    created_at = fields.DateTime()


class AuditListArgsSchema(PageArgsSchema):
    action = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={"description": "exact action, or a prefix ending in '.'"},
    )
    target = fields.String(load_default=None, validate=validate.Length(max=128))
    actor_id = Id(load_default=None)
