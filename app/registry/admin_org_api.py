"""Operator endpoints of the registry's organisations and units: verification bodies and
holders with their logins, holdings, the buffer, cancellations, and the lists of
transfers and retirements (JSON, or CSV with `?format=csv`)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import current_principal, operator_required
from app.idempotency import current_idempotency, idempotent
from app.pagination import page_schema
from app.registry import models as _models  # noqa: F401  (registers the tables)
from app.registry import personal, service
from app.registry.models import (
    Cancellation,
    Holder,
    Transfer,
    Verifier,
)
from app.registry.schemas import (
    CancellationCreateSchema,
    CancellationSchema,
    ExportPageArgsSchema,
    FormatArgsSchema,
    HolderCreateSchema,
    HolderSchema,
    HoldingListSchema,
    HoldingSchema,
    LoginCreatedSchema,
    OrganisationLoginSchema,
    PoolCreateSchema,
    PoolListSchema,
    PoolPatchSchema,
    PoolSchema,
    RetirementSchema,
    TransferSchema,
    VerifierCreateSchema,
    VerifierSchema,
)
from app.registry.views import csv_listing, holdings, list_or_csv, page_or_csv

blp = Blueprint(
    "admin_registry_organisations",
    __name__,
    description="核证减排量登记：机构与减排量 Registry organisations and units (operators)",
)


def _me() -> int:
    return current_principal().user_id


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


@blp.route("/offset-pools", methods=["POST"])
@operator_required
@audited("registry.pool.create", "pool:{id}")
@blp.arguments(PoolCreateSchema)
@blp.response(201, PoolSchema)
@blp.alt_response(404, description="holder_not_found")
@blp.alt_response(422, description="invalid_pool")
def create_pool(body: dict):
    """Offer a holder's units to residents for personal offsets, at points per kg."""
    pool = personal.create_pool(
        body["name"], body["kind"], body["points_per_kg"], body["holder_id"], _me()
    )
    return personal.pool_view(pool)


@blp.route("/offset-pools", methods=["GET"])
@operator_required
@blp.response(200, PoolListSchema)
def list_pools():
    """Every pool (open or closed) with what it can still offer."""
    return {"items": personal.pools(active_only=False)}


@blp.route("/offset-pools/<int:pool_id>", methods=["PATCH"])
@operator_required
@audited("registry.pool.update", "pool:{pool_id}")
@blp.arguments(PoolPatchSchema)
@blp.response(200, PoolSchema)
@blp.alt_response(404, description="offset_pool_not_found")
def update_pool(body: dict, pool_id: int):
    """Open or close a pool to residents."""
    return personal.pool_view(personal.set_pool_active(pool_id, body["active"]))
