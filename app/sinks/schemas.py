"""Request and response schemas of carbon sinks, tree adoption and sink credits."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.fields import Id
from app.sinks.models import SINK_KINDS

_CODE = validate.Length(min=2, max=32)


def _kg(mg: int) -> float:
    return round(mg / 1_000_000, 3)


class MethodologySchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    kind = fields.String()
    basis = fields.String(metadata={"enum": ["tree", "hectare"]})
    kg_per_year = fields.Function(lambda m: _kg(m.mg_per_year))
    status = fields.String()
    source = fields.String()


class MethodologyListSchema(Schema):
    items = fields.List(fields.Nested(MethodologySchema))


class SinkProjectCreateSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(SINK_KINDS))
    owner_holder_id = Id(required=True, strict=True)
    methodology = fields.String(required=True, validate=validate.Length(min=1, max=64))
    methodology_version = fields.Integer(load_default=None, validate=validate.Range(1, 10_000))
    region = fields.String(load_default="", validate=validate.Length(max=100))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    adoption_points = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class SinkProjectSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(SINK_KINDS)})
    region = fields.String()
    description = fields.String()
    owner_holder_id = fields.Integer()
    methodology = fields.Nested(MethodologySchema)
    adoption_points = fields.Integer()
    programme_id = fields.Integer(allow_none=True)
    estimated_kg_per_year = fields.Function(
        lambda p: getattr(p, "estimate_kg", None),
        metadata={"type": "number", "description": "预估 (ex-ante): never issued or retired"},
    )


class TreeInSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    species = fields.String(required=True, validate=validate.Length(min=1, max=64))
    planted_year = fields.Integer(required=True, validate=validate.Range(1900, 2100))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    latitude_e6 = fields.Integer(
        load_default=None,
        validate=validate.Range(-90_000_000, 90_000_000),
        metadata={"description": "degrees x 1e6, GCJ-02 (the datum WeChat's map expects)"},
    )
    longitude_e6 = fields.Integer(
        load_default=None, validate=validate.Range(-180_000_000, 180_000_000)
    )
    photo_url = fields.Url(load_default="", schemes={"https"}, validate=validate.Length(max=500))
    spare = fields.Boolean(
        load_default=False, metadata={"description": "a buffer tree: replaces dead ones"}
    )


class TreesCreateSchema(Schema):
    trees = fields.List(
        fields.Nested(TreeInSchema), required=True, validate=validate.Length(min=1, max=500)
    )


class TreeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    species = fields.String()
    location = fields.String()
    latitude_e6 = fields.Integer(allow_none=True)
    longitude_e6 = fields.Integer(allow_none=True)
    photo_url = fields.String()
    planted_year = fields.Integer()
    status = fields.String(metadata={"enum": ["alive", "dead"]})
    spare = fields.Boolean()
    adopted = fields.Function(lambda t: getattr(t, "adopted", None), metadata={"type": "boolean"})


class TreeListSchema(Schema):
    items = fields.List(fields.Nested(TreeSchema))


class TreeArgsSchema(Schema):
    year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100))


class PlotCreateSchema(Schema):
    code = fields.String(required=True, validate=_CODE)
    area_m2 = fields.Integer(required=True, validate=validate.Range(1, 10**12))
    location = fields.String(load_default="", validate=validate.Length(max=200))


class PlotSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    area_m2 = fields.Integer()
    location = fields.String()


class MeasurementsCreateSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2100))
    measured_kg = fields.Dict(
        keys=fields.String(validate=_CODE),
        values=fields.Float(validate=validate.Range(0, 10**9)),
        load_default=dict,
        metadata={"description": "measured figures by tree/plot code"},
    )


class CountSchema(Schema):
    added = fields.Integer()


class AdoptSchema(Schema):
    year = fields.Integer(
        load_default=None,
        validate=validate.Range(2000, 2100),
        metadata={"description": "this year (default) or next"},
    )


class CreditSchema(Schema):
    carbon_kg = fields.Function(lambda c: _kg(c.carbon_mg))
    year = fields.Integer()
    batch_id = fields.Integer()
    certificate_id = fields.Function(
        lambda c: getattr(c, "certificate_id", None), metadata={"type": "string", "nullable": True}
    )


class AdoptedProjectSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(SINK_KINDS)})
    region = fields.String()


class AdoptionSchema(Schema):
    id = fields.Integer(attribute="adoption.id")
    year = fields.Integer(attribute="adoption.year")
    status = fields.String(attribute="adoption.status")
    points = fields.Integer(attribute="adoption.points")
    tree = fields.Nested(TreeSchema)
    project = fields.Nested(AdoptedProjectSchema)
    estimated_kg = fields.Float(metadata={"description": "预估 (ex-ante) for the year"})
    replaced_by = fields.String(
        allow_none=True,
        metadata={"description": "the tree this adoption moved to (its tree was found dead)"},
    )
    refunded = fields.Boolean(metadata={"description": "no tree was left: points refunded"})
    credit = fields.Nested(
        CreditSchema,
        allow_none=True,
        metadata={"description": "the verified year, after monitoring"},
    )


class AdoptionListSchema(Schema):
    items = fields.List(fields.Nested(AdoptionSchema))
