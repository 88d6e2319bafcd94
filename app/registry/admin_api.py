"""Operator endpoints of the registry: programmes, batches, verifiers, holders, buffer,
cancellations and the lists of movements (JSON, or CSV with `?format=csv`)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.audit.views import audited
from app.auth import current_principal, operator_required
from app.csvout import csv_response, to_csv
from app.idempotency import current_idempotency, idempotent
from app.pagination import page_schema
from app.registry import models as _models  # noqa: F401  (registers the tables)
from app.registry import service
from app.registry.models import (
    Batch,
    BatchMember,
    Cancellation,
    Holder,
    Programme,
    Transfer,
    Verifier,
)
from app.registry.schemas import (
    BatchCreateSchema,
    BatchListArgsSchema,
    BatchSchema,
    CancellationCreateSchema,
    CancellationSchema,
    ExclusionSchema,
    ExportPageArgsSchema,
    FormatArgsSchema,
    HolderCreateSchema,
    HolderSchema,
    LoginCreatedSchema,
    MemberSchema,
    OrganisationLoginSchema,
    ProgrammeCreateSchema,
    ProgrammeSchema,
    RetirementSchema,
    SubmitSchema,
    TransferSchema,
    VerifierCreateSchema,
    VerifierSchema,
)
from app.registry.views import csv_listing, holdings, list_or_csv, page_or_csv

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


@blp.route("/verifiers", methods=["POST"])
@operator_required
@audited("registry.verifier.create", "verifier:{id}")
@blp.arguments(VerifierCreateSchema)
@blp.response(201, VerifierSchema)
@blp.alt_response(409, description="verifier_exists")
def create_verifier(body: dict):
    """Register a third-party verification body (核查机构)."""
    return service.create_verifier(body["name"], body["accreditation"], _me())


@blp.route("/verifiers", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(VerifierSchema))
def list_verifiers(args: dict):
    """Verification bodies, newest first."""
    return page_or_csv(
        service.select_all(Verifier), Verifier.id, VerifierSchema, args, "registry-verifiers.csv"
    )


@blp.route("/verifiers/<int:verifier_id>/logins", methods=["POST"])
@operator_required
@audited("registry.verifier.login", "verifier:{verifier_id}")
@blp.arguments(OrganisationLoginSchema)
@blp.response(201, LoginCreatedSchema)
@blp.alt_response(404, description="verifier_not_found")
@blp.alt_response(409, description="username_taken")
def create_verifier_login(body: dict, verifier_id: int):
    """A console login (role `verifier`) for someone of a verification body."""
    user_id = service.create_member_login(
        body["username"], body["password"], verifier_id=verifier_id
    )
    return {"user_id": user_id, "username": body["username"]}


@blp.route("/holders", methods=["POST"])
@operator_required
@audited("registry.holder.create", "holder:{id}")
@blp.arguments(HolderCreateSchema)
@blp.response(201, HolderSchema)
@blp.alt_response(409, description="holder_exists")
@blp.alt_response(422, description="invalid_holder")
def create_holder(body: dict):
    """An organisation account that can hold, buy and retire units."""
    return service.create_holder(body["code"], body["name"], body["kind"], _me())


@blp.route("/holders", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(HolderSchema))
def list_holders(args: dict):
    """Holders, newest first (the platform's own account included)."""
    service.platform_holder()
    return page_or_csv(
        service.select_all(Holder), Holder.id, HolderSchema, args, "registry-holders.csv"
    )


@blp.route("/holders/<int:holder_id>/logins", methods=["POST"])
@operator_required
@audited("registry.holder.login", "holder:{holder_id}")
@blp.arguments(OrganisationLoginSchema)
@blp.response(201, LoginCreatedSchema)
@blp.alt_response(404, description="holder_not_found")
@blp.alt_response(409, description="username_taken")
def create_holder_login(body: dict, holder_id: int):
    """A console login (role `holder`) for someone of a holder organisation."""
    user_id = service.create_member_login(body["username"], body["password"], holder_id=holder_id)
    return {"user_id": user_id, "username": body["username"]}


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


@blp.route("/holders/<int:holder_id>/holdings", methods=["GET"])
@operator_required
@blp.arguments(FormatArgsSchema, location="query")
@csv_listing
@blp.response(200, HoldingListSchema)
@blp.alt_response(404, description="holder_not_found")
def holder_holdings(args: dict, holder_id: int):
    """What a holder holds, per batch (kgCO2e)."""
    service.get_holder(holder_id)
    return list_or_csv(
        holdings(holder_id), HoldingSchema, args, f"registry-holder-{holder_id}-holdings.csv"
    )


@blp.route("/buffer", methods=["GET"])
@operator_required
@blp.arguments(FormatArgsSchema, location="query")
@csv_listing
@blp.response(200, HoldingListSchema)
def buffer(args: dict):
    """The buffer account's units per batch (what covers records found fraudulent)."""
    return list_or_csv(holdings(kind="buffer"), HoldingSchema, args, "registry-buffer.csv")


@blp.route("/cancellations", methods=["POST"])
@operator_required
@idempotent
@audited("registry.cancel", "batch:{batch_id}")
@blp.arguments(CancellationCreateSchema)
@blp.response(201, CancellationSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_not_issued, insufficient_units")
def cancel_units(body: dict):
    """Cancel units with a reason: from a holder's (`holder_id`) or from the buffer."""
    key, request_hash = current_idempotency()
    req = service.Request(_me(), key, request_hash)
    return service.cancel_units(
        req,
        batch_id=body["batch_id"],
        quantity=body["quantity"],
        reason=body["reason"],
        holder_id=body["holder_id"],
    )


@blp.route("/cancellations", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(CancellationSchema))
def list_cancellations(args: dict):
    """Cancellations, newest first."""
    return page_or_csv(
        service.select_all(Cancellation),
        Cancellation.id,
        CancellationSchema,
        args,
        "registry-cancellations.csv",
    )


@blp.route("/transfers", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(TransferSchema))
def list_transfers(args: dict):
    """Transfers between holders, newest first, with prices."""
    return page_or_csv(
        service.select_all(Transfer), Transfer.id, TransferSchema, args, "registry-transfers.csv"
    )


@blp.route("/retirements", methods=["GET"])
@operator_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(RetirementSchema))
def list_retirements(args: dict):
    """Retirements, newest first."""
    return page_or_csv(
        service.retirements_stmt(),
        service.Retirement.id,
        RetirementSchema,
        args,
        "registry-retirements.csv",
    )
