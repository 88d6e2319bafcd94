"""Operator endpoints of the registry: programmes, batches (assemble, exclude, submit,
issue) and revoking a record found fraudulent (organisations and units:
admin_org_api.py)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema

from app.audit.views import audited
from app.auth import current_principal, operator_required
from app.csvout import csv_response, to_csv
from app.pagination import page_schema
from app.registry import models as _models  # noqa: F401  (registers the tables)
from app.registry import service
from app.registry.models import (
    Batch,
    BatchMember,
    Programme,
)
from app.registry.schemas import (
    BatchCreateSchema,
    BatchListArgsSchema,
    BatchSchema,
    ExclusionSchema,
    ExportPageArgsSchema,
    MemberSchema,
    ProgrammeCreateSchema,
    ProgrammeSchema,
    RevocationSchema,
    RevokeSchema,
    SubmitSchema,
)
from app.registry.views import csv_listing, page_or_csv

blp = Blueprint("admin_registry", __name__, description="核证减排量登记 Registry (operators)")


def _me() -> int:
    return current_principal().user_id


@blp.route("/programmes", methods=["POST"])
@operator_required
@audited("registry.programme.create", "programme:{id}")
@blp.arguments(ProgrammeCreateSchema)
@blp.response(201, ProgrammeSchema)
@blp.alt_response(404, description="scenario_not_found, methodology_version_not_found")
@blp.alt_response(409, description="programme_exists")
def create_programme(body: dict):
    """Register (备案) a programme: one scenario under one methodology version."""
    return service.create_programme(body["scenario"], body["methodology_version"], _me())


@blp.route("/programmes", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(ProgrammeSchema))
def list_programmes(args: dict):
    """Programmes, newest first."""
    return page_or_csv(
        service.select_all(Programme),
        Programme.id,
        ProgrammeSchema,
        args,
        "registry-programmes.csv",
    )


@blp.route("/batches", methods=["POST"])
@operator_required
@audited("registry.batch.assemble", "batch:{id}")
@blp.arguments(BatchCreateSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(404, description="programme_not_found")
@blp.alt_response(409, description="record_already_batched")
@blp.alt_response(422, description="invalid_period, batch_empty")
def assemble_batch(body: dict):
    """Assemble (核算) a draft batch: the programme's approved, consented, unbatched records
    of a closed monitoring period, frozen with their Merkle root."""
    batch = service.assemble_batch(
        body["programme_id"], body["period_start"], body["period_end"], _me()
    )
    return service.with_verifier_names([batch])[0]


@blp.route("/batches", methods=["GET"])
@operator_required
@blp.arguments(BatchListArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(BatchSchema))
def list_batches(args: dict):
    """Batches, newest first (`?status=`); `?format=csv` for all of them."""
    return page_or_csv(
        service.list_batches_stmt(args["status"]),
        Batch.id,
        BatchSchema,
        args,
        "registry-batches.csv",
        service.with_verifier_names,
    )


@blp.route("/batches/<int:batch_id>", methods=["GET"])
@operator_required
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
def get_batch(batch_id: int):
    """One batch."""
    return service.with_verifier_names([service.get_batch(batch_id)])[0]


@blp.route("/batches/<int:batch_id>/members", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(MemberSchema))
@blp.alt_response(404, description="batch_not_found")
def list_members(args: dict, batch_id: int):
    """A batch's members (counted and excluded), highest record id first."""
    service.get_batch(batch_id)
    stmt = service.select_all(BatchMember).where(BatchMember.batch_id == batch_id)
    return page_or_csv(stmt, BatchMember.id, MemberSchema, args, f"batch-{batch_id}-members.csv")


@blp.route("/batches/<int:batch_id>/evidence", methods=["GET"])
@operator_required
@blp.response(
    200, content_type="text/csv", description="CSV: the evidence package the verifier sees"
)
@blp.alt_response(404, description="batch_not_found")
def evidence(batch_id: int):
    """The batch's evidence package (pseudonymised members, methodology, sums) as CSV."""
    rows = service.evidence_package(batch_id)
    return csv_response(to_csv(rows, service.EVIDENCE_COLUMNS), f"batch-{batch_id}-evidence.csv")


@blp.route("/batches/<int:batch_id>/exclusions", methods=["POST"])
@operator_required
@audited("registry.batch.exclude", "batch:{batch_id}")
@blp.arguments(ExclusionSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_not_draft")
@blp.alt_response(422, description="record_not_in_batch, batch_empty")
def exclude_records(body: dict, batch_id: int):
    """Take records out of a draft or returned batch (they never join another one)."""
    batch = service.exclude_records(batch_id, body["record_ids"], body["reason"])
    return service.with_verifier_names([batch])[0]


@blp.route("/batches/<int:batch_id>/submit", methods=["POST"])
@operator_required
@audited("registry.batch.submit", "batch:{batch_id}")
@blp.arguments(SubmitSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found, verifier_not_found")
@blp.alt_response(409, description="batch_not_draft")
def submit_batch(body: dict, batch_id: int):
    """Send a draft (or returned) batch to a verification body."""
    batch = service.submit_batch(batch_id, body["verifier_id"], _me())
    return service.with_verifier_names([batch])[0]


class _Empty(Schema):
    pass


@blp.route("/batches/<int:batch_id>/issue", methods=["POST"])
@operator_required
@audited("registry.batch.issue", "batch:{batch_id}")
@blp.arguments(_Empty)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_wrong_state, same_operator, issue_conflict")
def issue_batch(_body: dict, batch_id: int):
    """Issue (签发) a verified batch: a second operator, not the one who assembled or
    submitted it. Units go to the platform holder, the buffer share to the buffer."""
    return service.with_verifier_names([service.issue_batch(batch_id, _me())])[0]


@blp.route("/records/<int:record_id>/revoke", methods=["POST"])
@operator_required
@audited("registry.record.revoke", "checkin:{record_id}")
@blp.arguments(RevokeSchema)
@blp.response(200, RevocationSchema)
@blp.alt_response(404, description="checkin_not_found")
@blp.alt_response(409, description="record_not_approved")
def revoke_record(body: dict, record_id: int):
    """A record found fraudulent after approval: it stops counting, its points come back as
    far as the resident still has them, and its kilograms leave the registry (excluded from
    an unissued batch; cancelled from the buffer of an issued one, in public)."""
    return service.revoke_record(record_id, _me(), body["reason"])
