"""Campaign request and response schemas."""

from marshmallow import Schema, fields, validate

from app.fields import AwareDateTime
from app.pagination import PageArgsSchema


class CampaignCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(required=True)
    scenarios = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(min=1, max=50),
    )
    multiplier = fields.Float(
        load_default=1.0, validate=validate.Range(min=1.0, max=10.0), allow_nan=False
    )
    bonus_points = fields.Integer(load_default=0, validate=validate.Range(min=0, max=100_000))
    first_n = fields.Integer(load_default=None, validate=validate.Range(min=1, max=10_000_000))
    per_resident_limit = fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=10_000)
    )
    budget_points = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000_000))


class CampaignSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    scenarios = fields.List(fields.String(), attribute="scenario_codes")
    multiplier = fields.Float()
    bonus_points = fields.Integer()
    first_n = fields.Integer(allow_none=True)
    per_resident_limit = fields.Integer(allow_none=True)
    budget_points = fields.Integer()
    budget_used = fields.Integer()
    awards_count = fields.Integer()
    status = fields.String()


class CampaignListArgsSchema(PageArgsSchema):
    live = fields.Boolean(load_default=False)
