"""Request and response schemas of the carbon account API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.carbon.models import EVIDENCE_TYPES, RECORD_STATUSES
from app.carbon.rules import mg_to_g, milli_to_number, ug_to_g
from app.fields import AwareDateTime
from app.pagination import PageArgsSchema


class ScenarioSchema(Schema):
    """A scenario with the methodology version in force (dumped from a ScenarioView)."""

    code = fields.String(attribute="scenario.code")
    name = fields.String(attribute="scenario.name")
    name_en = fields.String(attribute="scenario.name_en")
    unit = fields.String(attribute="scenario.unit")
    g_co2e_per_unit = fields.Function(lambda v: ug_to_g(v.version.factor_ug_per_unit))
    points_rule = fields.String(attribute="version.points_rule")
    evidence = fields.List(fields.String(), attribute="scenario.evidence_types")
    daily_cap = fields.Function(lambda v: milli_to_number(v.scenario.daily_cap_milli))
    fractional = fields.Boolean(
        attribute="scenario.fractional",
        metadata={"description": "quantity may have decimals (kg, km)"},
    )
    methodology_version = fields.Integer(attribute="version.version")
    valid_from = fields.DateTime(attribute="version.valid_from")
    source = fields.String(attribute="version.source")
    status = fields.String(attribute="scenario.status")
    active = fields.Boolean(attribute="scenario.active")


class ScenarioListSchema(Schema):
    items = fields.List(fields.Nested(ScenarioSchema))


class ScenarioUpdateSchema(Schema):
    # The bound is repeated as a plain number: apispec would publish Decimal("0") as "0".
    daily_cap = fields.Decimal(
        validate=validate.Range(min=0, min_inclusive=False), as_string=False,
        metadata={"minimum": 0, "exclusiveMinimum": True},
    )  # fmt: skip
    evidence = fields.List(fields.String(validate=validate.OneOf(EVIDENCE_TYPES)))
    active = fields.Boolean()


class VersionCreateSchema(Schema):
    g_co2e_per_unit = fields.Decimal(
        required=True, validate=validate.Range(min=0), metadata={"minimum": 0}
    )
    points_rule = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    valid_from = AwareDateTime(load_default=None)


class VersionSchema(Schema):
    version = fields.Integer()
    g_co2e_per_unit = fields.Function(lambda v: ug_to_g(v.factor_ug_per_unit))
    points_rule = fields.String()
    valid_from = fields.DateTime()
    source = fields.String()
    created_at = fields.DateTime()


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema))


class RecordSchema(Schema):
    """A carbon record as its owner (and the review queue) sees it."""

    id = fields.Integer()
    scenario = fields.String(attribute="scenario.code")
    scenario_name = fields.String(attribute="scenario.name")
    status = fields.String()
    quantity = fields.Function(lambda r: milli_to_number(r.quantity_milli))
    unit = fields.String(attribute="scenario.unit")
    carbon_g = fields.Function(lambda r: mg_to_g(r.carbon_mg))
    points = fields.Integer(metadata={"description": "points paid (0 until approved)"})
    methodology_version = fields.Integer(attribute="methodology.version")
    evidence_type = fields.String()
    day = fields.Date()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(
        metadata={"description": "the operator's note on the decision (why it was rejected)"}
    )


class RecordArgsSchema(PageArgsSchema):
    status = fields.String(validate=validate.OneOf(RECORD_STATUSES), load_default=None)


class ScenarioTotalSchema(Schema):
    scenario = fields.String()
    name = fields.String()
    count = fields.Integer()
    carbon_g = fields.Float()
    points = fields.Integer()


class AccountSchema(Schema):
    points_balance = fields.Integer()
    carbon_total_g = fields.Float()
    checkins_count = fields.Integer(metadata={"description": "approved records"})
    pending_count = fields.Integer(metadata={"description": "records awaiting review"})
    by_scenario = fields.List(fields.Nested(ScenarioTotalSchema))
    sink_total_g = fields.Float(
        load_default=0,
        metadata={
            "description": "verified sequestration of trees I adopted (碳汇), apart "
            "from reductions: no points, never counted twice"
        },
    )


class LeaderboardArgsSchema(Schema):
    period = fields.String(load_default="week", validate=validate.OneOf(("week", "month", "all")))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class LeaderboardItemSchema(Schema):
    rank = fields.Integer()
    nickname = fields.String(
        metadata={"description": "the resident's own (checked) nickname, else 绿友<id>"}
    )
    avatar_url = fields.String(
        allow_none=True, metadata={"description": "relative to the site root; null: none"}
    )
    carbon_g = fields.Float()


class LeaderboardMeSchema(Schema):
    rank = fields.Integer(allow_none=True)
    carbon_g = fields.Float()


class LeaderboardSchema(Schema):
    period = fields.String()
    items = fields.List(fields.Nested(LeaderboardItemSchema))
    me = fields.Nested(LeaderboardMeSchema)


class ConsentSchema(Schema):
    scenario = fields.String()
    name = fields.String()
    granted = fields.Boolean()
    version = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)


class ConsentListSchema(Schema):
    items = fields.List(fields.Nested(ConsentSchema))


class ConsentUpdateSchema(Schema):
    granted = fields.Boolean(required=True)
