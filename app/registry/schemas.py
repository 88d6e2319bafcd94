"""Request and response schemas of the registry (operators, verifiers, holders, public)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from app.fields import Date, Id
from app.pagination import PageArgsSchema
from app.registry.models import BATCH_STATUSES, BLOCK_STATUSES, HOLDER_KINDS, PURPOSES

_NOTE = validate.Length(max=2000)
_MAX_UNITS = 10**12


def tonnes(mg: int) -> float:
    """Milligrams as tCO2e with 3 decimals (kg precision)."""
    return round(mg / 1_000_000_000, 3)


class FormatArgsSchema(Schema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "`csv` for the whole list as CSV"},
    )


class ExportPageArgsSchema(PageArgsSchema, FormatArgsSchema):
    pass


class ProgrammeCreateSchema(Schema):
    scenario = fields.String(required=True, validate=validate.Length(min=1, max=64))
    methodology_version = fields.Integer(required=True, validate=validate.Range(1, 10_000))


class ProgrammeSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String(metadata={"enum": ["reduction", "sink"]})
    name = fields.String()
    scenario = fields.Function(
        lambda p: p.scenario.code if p.scenario else None,
        metadata={"type": "string", "nullable": True},
    )
    methodology_version = fields.Function(
        lambda p: p.methodology.version if p.methodology else None,
        metadata={"type": "integer", "nullable": True},
    )
    factor_g_per_unit = fields.Function(
        lambda p: p.methodology.factor_ug_per_unit / 1_000_000 if p.methodology else None,
        metadata={"type": "number", "nullable": True},
    )
    source = fields.Function(
        lambda p: p.methodology.source if p.methodology else "", metadata={"type": "string"}
    )
    source_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()


class BatchCreateSchema(Schema):
    programme_id = Id(required=True, strict=True)
    period_start = Date(required=True)
    period_end = Date(required=True)


class BatchListArgsSchema(ExportPageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(BATCH_STATUSES))


class BatchSchema(Schema):
    """A batch as operators, verifiers and the public see it (no personal data)."""

    id = fields.Integer()
    programme = fields.Nested(ProgrammeSchema)
    seq = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.String(metadata={"enum": list(BATCH_STATUSES)})
    member_count = fields.Integer()
    carbon_g = fields.Function(lambda b: b.total_mg / 1000)
    tco2e = fields.Function(lambda b: tonnes(b.total_mg))
    merkle_root = fields.String()
    verifier = fields.Function(lambda b: getattr(b, "verifier_name", None), allow_none=True)
    verification_note = fields.String()
    report_sha256 = fields.String()
    report_url = fields.String()
    submitted_at = fields.DateTime(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    issued_at = fields.DateTime(allow_none=True)
    serial = fields.String()
    units = fields.Integer(metadata={"description": "kgCO2e issued"})
    buffer_units = fields.Integer()
    carry_in_g = fields.Function(lambda b: b.carry_in_mg / 1000)
    carry_out_g = fields.Function(lambda b: b.carry_out_mg / 1000)
    revoked_g = fields.Function(lambda b: b.revoked_mg / 1000)
    revoked_units = fields.Integer()
    created_at = fields.DateTime()


class ExclusionSchema(Schema):
    record_ids = fields.List(
        fields.Integer(validate=validate.Range(1, 2**62)),
        required=True,
        validate=validate.Length(min=1, max=1000),
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SubmitSchema(Schema):
    verifier_id = Id(required=True, strict=True)


class DecisionSchema(Schema):
    note = fields.String(load_default="", validate=_NOTE)


class ReturnSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReportLinkSchema(Schema):
    url = fields.Url(required=True, schemes={"https", "http"}, validate=validate.Length(max=500))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class ReportFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MemberSchema(Schema):
    record_id = fields.Integer(allow_none=True)
    source_ref = fields.String(
        allow_none=True, metadata={"description": "another domain's member, e.g. a tree's year"}
    )
    position = fields.Integer()
    carbon_g = fields.Function(lambda m: m.carbon_mg / 1000)
    leaf_hash = fields.String()
    excluded = fields.Boolean()
    excluded_reason = fields.String()
    revoked_at = fields.DateTime(allow_none=True)


class OrganisationLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_.-]{3,64}$"))
    password = fields.String(required=True, validate=validate.Length(min=10, max=200))


class LoginCreatedSchema(Schema):
    user_id = fields.Integer()
    username = fields.String()


class VerifierCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    accreditation = fields.String(load_default="", validate=validate.Length(max=200))


class VerifierSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    accreditation = fields.String()
    created_at = fields.DateTime()


class HolderCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=2, max=32))
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(HOLDER_KINDS[1:]))


class HolderSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"enum": list(HOLDER_KINDS)})
    active = fields.Boolean()
    created_at = fields.DateTime()


class _UnitsSchema(Schema):
    batch_id = Id(required=True, strict=True)
    quantity = fields.Integer(
        required=True,
        validate=validate.Range(1, _MAX_UNITS),
        metadata={"description": "kgCO2e (whole units)"},
    )
    first = fields.Integer(
        load_default=None,
        validate=validate.Range(1, _MAX_UNITS),
        metadata={"description": "first serial of the range to move (default: lowest held)"},
    )


class TransferCreateSchema(_UnitsSchema):
    to_holder_id = Id(required=True, strict=True)
    price_fen = fields.Integer(load_default=0, validate=validate.Range(0, 10**15))


class TransferSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    from_holder_id = fields.Integer()
    to_holder_id = fields.Integer()
    quantity = fields.Integer()
    price_fen = fields.Integer()
    created_at = fields.DateTime()


class RetirementCreateSchema(_UnitsSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    beneficiary = fields.String(required=True, validate=validate.Length(min=1, max=200))
    jurisdiction = fields.String(load_default="CN", validate=validate.Length(min=2, max=32))
    compliance_year = fields.Integer(load_default=None, validate=validate.Range(2000, 2100))
    note = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _year_for_compliance(self, data: dict, **_kwargs) -> None:
        if data.get("purpose") == "compliance" and data.get("compliance_year") is None:
            raise ValidationError("履约抵消需要填写履约年度", "compliance_year")


class RetirementSchema(Schema):
    id = fields.Integer()
    certificate_id = fields.String()
    batch_id = fields.Integer()
    holder_id = fields.Integer()
    quantity = fields.Integer()
    purpose = fields.String(metadata={"enum": list(PURPOSES)})
    compliance_year = fields.Integer(allow_none=True)
    beneficiary = fields.String()
    jurisdiction = fields.String()
    note = fields.String()
    created_at = fields.DateTime()


class CancellationCreateSchema(Schema):
    batch_id = Id(required=True, strict=True)
    quantity = fields.Integer(required=True, validate=validate.Range(1, _MAX_UNITS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    holder_id = Id(load_default=None, metadata={"description": "default: from the buffer"})


class CancellationSchema(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    quantity = fields.Integer()
    source = fields.String()
    holder_id = fields.Integer(allow_none=True)
    reason = fields.String()
    record_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class BlockSchema(Schema):
    serial = fields.String()
    batch_id = fields.Integer()
    first = fields.Integer()
    last = fields.Integer()
    quantity = fields.Integer()
    status = fields.String(metadata={"enum": list(BLOCK_STATUSES)})
    holder = fields.String(allow_none=True)
    certificate_id = fields.String(allow_none=True)


class BlockArgsSchema(ExportPageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(BLOCK_STATUSES))
    batch_id = Id(load_default=None)


class RegistryConsentSchema(Schema):
    granted = fields.Boolean()
    version = fields.String(allow_none=True)
    current_version = fields.String()
    needs_answer = fields.Boolean()
    text = fields.String()
    updated_at = fields.DateTime(allow_none=True)


class RegistryConsentSetSchema(Schema):
    granted = fields.Boolean(required=True)


class RevokeSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class RevocationSchema(Schema):
    record_id = fields.Integer()
    points_taken_back = fields.Integer()
    batch = fields.Nested(BatchSchema, allow_none=True)


class HoldingSchema(Schema):
    batch_id = fields.Integer()
    serial = fields.String()
    programme = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    quantity = fields.Integer()
    holder_id = fields.Integer(allow_none=True)


class HoldingListSchema(Schema):
    items = fields.List(fields.Nested(HoldingSchema))


class PoolCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(("sink", "reduction", "any")))
    points_per_kg = fields.Integer(required=True, validate=validate.Range(1, 1_000_000))
    holder_id = Id(required=True, strict=True)


class PoolPatchSchema(Schema):
    active = fields.Boolean(required=True)


class PoolSchema(Schema):
    id = fields.Integer(attribute="pool.id")
    name = fields.String(attribute="pool.name")
    kind = fields.String(attribute="pool.kind")
    points_per_kg = fields.Integer(attribute="pool.points_per_kg")
    holder_id = fields.Integer(attribute="pool.holder_id")
    active = fields.Boolean(attribute="pool.active")
    available_kg = fields.Integer(allow_none=True, metadata={"description": "null when created"})


class PoolListSchema(Schema):
    items = fields.List(fields.Nested(PoolSchema))


class PersonalOffsetCreateSchema(Schema):
    pool_id = Id(required=True, strict=True)
    kg = fields.Integer(required=True, validate=validate.Range(1, 1000))


class PersonalOffsetSchema(Schema):
    id = fields.Integer()
    pool_id = fields.Integer()
    kg = fields.Integer()
    points = fields.Integer()
    certificate_id = fields.Function(
        lambda o: getattr(o, "certificate_id", None), metadata={"type": "string"}
    )
    created_at = fields.DateTime()
