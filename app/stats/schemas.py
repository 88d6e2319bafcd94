"""Stats request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Date
from app.stats.service import DEFAULT_DAYS, MAX_DAYS, TABLES


class StatsArgsSchema(Schema):
    days = fields.Integer(load_default=DEFAULT_DAYS, validate=validate.Range(1, MAX_DAYS))
    until = Date(
        load_default=None, metadata={"description": "last Asia/Shanghai day (default today)"}
    )


class StatsTableArgsSchema(StatsArgsSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class RangeSchema(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    days = fields.Integer()


class ResidentSeriesSchema(Schema):
    new = fields.List(fields.Integer())
    total = fields.List(fields.Integer())
    active = fields.List(fields.Integer(), metadata={"description": "daily actives"})


class ScenarioSeriesSchema(Schema):
    code = fields.String()
    name = fields.String()
    checkins = fields.List(fields.Integer())
    carbon_g = fields.List(fields.Float())
    checkins_total = fields.Integer()
    carbon_g_total = fields.Float()


class PointsSeriesSchema(Schema):
    issued = fields.List(fields.Integer())
    redeemed = fields.List(fields.Integer())
    expired = fields.List(fields.Integer())
    adjusted = fields.List(fields.Integer())
    outstanding = fields.List(fields.Integer(), metadata={"description": "at the end of the day"})


class MerchantRowSchema(Schema):
    merchant_id = fields.Integer()
    name = fields.String()
    redeemed = fields.Integer(metadata={"description": "coupons issued in the range"})
    points = fields.Integer(metadata={"description": "points spent on them"})
    verified = fields.Integer(metadata={"description": "coupons verified in the range"})
    settlement_fen = fields.Integer()


class CampaignBurnSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    budget_points = fields.Integer()
    budget_used = fields.Integer()
    awards_count = fields.Integer()
    burn = fields.List(fields.Integer(), metadata={"description": "budget used, end of day"})


class StatsSchema(Schema):
    users = fields.Integer(metadata={"description": "residents (not deleted)"})
    checkins = fields.Integer(metadata={"description": "approved check-ins"})
    checkins_pending = fields.Integer()
    checkins_rejected = fields.Integer()
    carbon_g = fields.Float(metadata={"description": "carbon of approved check-ins"})
    points_issued = fields.Integer()
    points_redeemed = fields.Integer()
    points_expired = fields.Integer()
    points_adjusted = fields.Integer(metadata={"description": "net of operator adjustments"})
    points_outstanding = fields.Integer(metadata={"description": "held by residents now"})
    merchants = fields.Integer()
    offers_live = fields.Integer()
    offers_pending = fields.Integer()
    generated_at = fields.AwareDateTime()
    range = fields.Nested(RangeSchema)
    dates = fields.List(fields.Date())
    residents = fields.Nested(ResidentSeriesSchema)
    scenarios = fields.List(fields.Nested(ScenarioSeriesSchema))
    points = fields.Nested(PointsSeriesSchema)
    coupons_by_merchant = fields.List(fields.Nested(MerchantRowSchema))
    campaigns = fields.List(fields.Nested(CampaignBurnSchema))


class StatsTableSchema(Schema):
    table = fields.String(metadata={"enum": list(TABLES)})
    items = fields.List(fields.Dict())
