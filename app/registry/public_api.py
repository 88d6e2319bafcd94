"""Public disclosure (信息披露), no login: programmes, batches, blocks by status,
retirements with beneficiaries, certificates, serial search, the dump."""

from __future__ import annotations

from flask import send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.csvout import csv_response, to_csv
from app.pagination import page_schema
from app.registry import dump, service
from app.registry.models import BATCH_DRAFT, Batch, Block, Programme, Retirement, Verifier
from app.registry.schemas import (
    BatchSchema,
    BlockArgsSchema,
    BlockSchema,
    ExportPageArgsSchema,
    ProgrammeSchema,
    RetirementSchema,
    VerifierSchema,
)
from app.registry.views import csv_listing, page_or_csv

blp = Blueprint("public_registry", __name__, description="公开信息 Registry disclosure (public)")


class MonthSchema(Schema):
    month = fields.String()
    programme = fields.String()
    programme_name = fields.String()
    issued_kg = fields.Integer()


class SummarySchema(Schema):
    issued_kg = fields.Integer()
    held_kg = fields.Integer()
    buffer_kg = fields.Integer()
    retired_kg = fields.Integer()
    cancelled_kg = fields.Integer()
    batches = fields.Integer()
    retirements = fields.Integer()
    by_month = fields.List(fields.Nested(MonthSchema))


class PublicRetirementSchema(RetirementSchema):
    holder = fields.String(attribute="holder_name")


class CertificateSchema(Schema):
    retirement = fields.Nested(RetirementSchema)
    holder = fields.String()
    batch = fields.Nested(BatchSchema)
    serials = fields.List(fields.String())


class SerialArgsSchema(Schema):
    serial = fields.String(required=True, validate=validate.Length(min=1, max=100))


class BlockListSchema(Schema):
    items = fields.List(fields.Nested(BlockSchema))


class DumpArgsSchema(Schema):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


@blp.route("/summary", methods=["GET"])
@blp.response(200, SummarySchema)
def summary():
    """Totals in kgCO2e, and issuance by month and programme."""
    return service.summary()


@blp.route("/programmes", methods=["GET"])
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(ProgrammeSchema))
def programmes(args: dict):
    """Registered programmes (scenario + methodology version, cited source)."""
    return page_or_csv(
        service.select_all(Programme), Programme.id, ProgrammeSchema, args, "programmes.csv"
    )


@blp.route("/verifiers", methods=["GET"])
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(VerifierSchema))
def verifiers(args: dict):
    """The verification bodies (name, accreditation): who can check a batch or an event."""
    return page_or_csv(
        service.select_all(Verifier), Verifier.id, VerifierSchema, args, "registry-verifiers.csv"
    )


@blp.route("/batches", methods=["GET"])
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(BatchSchema))
def batches(args: dict):
    """Batches past draft: period, tCO2e, verifier, Merkle root, status, serial."""
    stmt = service.select_all(Batch).where(Batch.status != BATCH_DRAFT)
    return page_or_csv(
        stmt, Batch.id, BatchSchema, args, "batches.csv", service.with_verifier_names
    )


@blp.route("/batches/<int:batch_id>", methods=["GET"])
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
def batch(batch_id: int):
    """One batch (drafts are not public)."""
    found = service.get_batch(batch_id)
    if found.status == BATCH_DRAFT:
        raise service.BatchNotFound()
    return service.with_verifier_names([found])[0]


@blp.route("/batches/<int:batch_id>/report", methods=["GET"])
@blp.response(200, description="the verification report file as uploaded")
@blp.alt_response(404, description="batch_not_found, report_not_found")
def report(batch_id: int):
    """The verifier's report of an issued batch (check it against `report_sha256`)."""
    found = service.get_batch(batch_id)
    if found.status != "issued":
        raise service.BatchNotFound()
    return send_file(service.report_file(batch_id), as_attachment=True, max_age=3600)


@blp.route("/blocks", methods=["GET"])
@blp.arguments(BlockArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(BlockSchema))
def blocks(args: dict):
    """Serial blocks as they are now, by status (held, buffer, retired, cancelled)."""
    stmt = service.blocks_stmt(args["status"], args["batch_id"])
    return page_or_csv(stmt, Block.id, BlockSchema, args, "blocks.csv", service.block_views)


@blp.route("/serials", methods=["GET"])
@blp.arguments(SerialArgsSchema, location="query")
@blp.response(200, BlockListSchema)
def search(args: dict):
    """Where the units of a serial number (a block, a range or one unit) are now."""
    return {"items": service.search_serial(args["serial"])}


@blp.route("/retirements", methods=["GET"])
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(PublicRetirementSchema))
def retirements(args: dict):
    """Retirements, newest first, with beneficiary, purpose and certificate id."""
    return page_or_csv(
        service.retirements_stmt(),
        Retirement.id,
        PublicRetirementSchema,
        args,
        "retirements.csv",
        service.with_holder_names,
    )


@blp.route("/certificates/<string:certificate_id>", methods=["GET"])
@blp.response(200, CertificateSchema)
@blp.alt_response(404, description="certificate_not_found")
def certificate(certificate_id: str):
    """A retirement certificate: who retired what, for whom, with which serials."""
    return service.certificate(certificate_id)


@blp.route("/dump", methods=["GET"])
@blp.arguments(DumpArgsSchema, location="query")
@blp.response(200, description="everything public as of today (JSON, or `?format=csv` blocks)")
def registry_dump(args: dict):
    """The day's dump: summary, programmes, batches, active blocks, retirements."""
    if args["format"] == "csv":
        rows = dump.block_rows()
        return csv_response(to_csv(rows, dump.BLOCK_COLUMNS), f"registry-{dump.today()}.csv")
    return dump.as_json()
