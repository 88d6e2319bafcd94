"""Request and response schemas of zero-carbon events."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from app.carbon.rules import RuleError, to_milli
from app.events.events import is_overdue
from app.events.models import CATEGORIES, EVENT_KINDS, MODES, STAGES
from app.fields import Date, Id
from app.pagination import PageArgsSchema

_KM_BOUNDS = {"minimum": 0, "maximum": 100_000}


def _kg(mg: int) -> float:
    return round(mg / 1_000_000, 3)


class _EventFieldsMixin:
    @validates_schema
    def _dates(self, data: dict, **_kwargs) -> None:
        if "starts_on" in data and "ends_on" in data and data["ends_on"] < data["starts_on"]:
            raise ValidationError("结束日期不能早于开始日期", "ends_on")

    @post_load
    def _km(self, data: dict, **_kwargs) -> dict:
        if "default_trip_km" in data:
            try:
                milli = to_milli(data.pop("default_trip_km"))
            except RuleError:
                raise ValidationError("最多保留三位小数", "default_trip_km") from None
            data["default_trip_km_milli"] = milli
        return data


class EventCreateSchema(_EventFieldsMixin, Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(EVENT_KINDS))
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    venue = fields.String(load_default="", validate=validate.Length(max=200))
    expected_attendees = fields.Integer(load_default=0, validate=validate.Range(0, 10_000_000))
    plan = fields.String(
        load_default="",
        validate=validate.Length(max=5000),
        metadata={"description": "reduction measures; how and by when it offsets"},
    )
    default_mode_factor = fields.String(
        load_default="travel_car",
        validate=validate.Length(max=64),
        metadata={"description": "how unrecorded attendees travel"},
    )
    # The bounds are repeated as plain numbers: apispec would publish Decimal bounds as
    # strings ("100000"), an invalid schema (carbon/schemas.py does the same).
    default_trip_km = fields.Decimal(
        validate=validate.Range(0, 100_000),
        metadata={"description": "their round trip, km (default 20)", **_KM_BOUNDS},
    )


class EventPatchSchema(_EventFieldsMixin, Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    starts_on = Date()
    ends_on = Date()
    venue = fields.String(validate=validate.Length(max=200))
    expected_attendees = fields.Integer(validate=validate.Range(0, 10_000_000))
    plan = fields.String(validate=validate.Length(max=5000))
    default_trip_km = fields.Decimal(validate=validate.Range(0, 100_000), metadata=_KM_BOUNDS)


class EventSchema(Schema):
    id = fields.Integer()
    public_id = fields.String()
    holder_id = fields.Integer(metadata={"description": "the organiser (a registry holder)"})
    name = fields.String()
    kind = fields.String(metadata={"enum": list(EVENT_KINDS)})
    starts_on = fields.Date()
    ends_on = fields.Date()
    venue = fields.String()
    expected_attendees = fields.Integer()
    plan = fields.String()
    stage = fields.String(metadata={"enum": list(STAGES)})
    total_kg = fields.Function(lambda e: _kg(e.total_mg))
    default_mode_factor = fields.String()
    default_trip_km = fields.Function(lambda e: e.default_trip_km_milli / 1000)
    accounted_at = fields.DateTime(allow_none=True)
    checked_at = fields.DateTime(allow_none=True)
    offset_at = fields.DateTime(allow_none=True)
    overdue = fields.Function(
        lambda e: is_overdue(e),
        metadata={"type": "boolean", "description": "not offset a year after its end"},
    )
    created_at = fields.DateTime()


class FactorSchema(Schema):
    code = fields.String()
    version = fields.Integer()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    name = fields.String()
    unit = fields.String()
    kg_per_unit = fields.Function(lambda f: f.mg_per_unit / 1_000_000)
    status = fields.String()
    source = fields.String()
    valid_from = fields.Date()


class FactorListSchema(Schema):
    items = fields.List(fields.Nested(FactorSchema))


class LineCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    factor = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Decimal(required=True, metadata={"description": "in the factor's unit"})
    note = fields.String(load_default="", validate=validate.Length(max=200))


class LineSchema(Schema):
    id = fields.Integer()
    category = fields.String(metadata={"enum": list(CATEGORIES)})
    factor = fields.Nested(FactorSchema)
    quantity = fields.Function(lambda line: line.quantity_milli / 1000)
    emissions_kg = fields.Function(lambda line: _kg(line.emissions_mg))
    origin = fields.String(metadata={"enum": ["organiser", "attendees"]})
    note = fields.String()


class LineListSchema(Schema):
    items = fields.List(fields.Nested(LineSchema))


class LinesFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class EventAccountSchema(Schema):
    verifier_id = Id(load_default=None, metadata={"description": "ask this body to check it"})


class OffsetSchema(Schema):
    batch_id = Id(required=True, strict=True)
    quantity = fields.Integer(required=True, validate=validate.Range(1, 10**12))


class OffsetResultSchema(Schema):
    certificate_id = fields.String(attribute="retirement.certificate_id")
    quantity = fields.Integer(attribute="retirement.quantity")
    retired_kg = fields.Integer()
    required_kg = fields.Integer()


class EventQrSchema(Schema):
    payload = fields.String()


class AttendanceSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))
    mode = fields.String(required=True, validate=validate.OneOf(list(MODES)))
    distance_km = fields.Decimal(required=True, metadata={"description": "round trip, km"})


class AttendanceResultSchema(Schema):
    id = fields.Integer()
    mode = fields.String()
    distance_km = fields.Function(lambda a: a.distance_km_milli / 1000)
    event = fields.Function(lambda a: getattr(a, "event_name", None))


class CheckSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class SourceTotalSchema(Schema):
    category = fields.String()
    emissions_kg = fields.Function(lambda row: _kg(row["emissions_mg"]))


class EventRetirementSchema(Schema):
    certificate_id = fields.String()
    quantity = fields.Integer()
    retired_at = fields.DateTime()
    serials = fields.List(fields.String())
    batch_serial = fields.String()


class PublicEventSchema(Schema):
    event = fields.Nested(EventSchema)
    organiser = fields.String()
    lines = fields.List(fields.Nested(LineSchema))
    by_source = fields.List(fields.Nested(SourceTotalSchema))
    total_kg = fields.Function(lambda v: _kg(v["total_mg"]))
    required_kg = fields.Integer()
    retired_kg = fields.Integer()
    overdue = fields.Boolean()
    checked = fields.Boolean()
    verifier = fields.String(allow_none=True)
    retirements = fields.List(fields.Nested(EventRetirementSchema))


class EventListArgsSchema(PageArgsSchema):
    pass
