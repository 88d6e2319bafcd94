"""Holder endpoints (enterprises, organisers, the platform's staff): my holdings, transfer
to another holder, retire (注销) with a purpose and a beneficiary."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.auth import current_principal, holder_required
from app.idempotency import current_idempotency, idempotent
from app.pagination import page_schema
from app.registry import service
from app.registry.models import Holder, Transfer
from app.registry.schemas import (
    ExportPageArgsSchema,
    FormatArgsSchema,
    HolderSchema,
    HoldingListSchema,
    HoldingSchema,
    RetirementCreateSchema,
    RetirementSchema,
    TransferCreateSchema,
    TransferSchema,
)
from app.registry.views import csv_listing, holdings, list_or_csv, page_or_csv

blp = Blueprint("holder_registry", __name__, description="持有机构 Holders")


def _holder() -> int:
    return service.holder_of(current_principal().user_id)


def _request() -> service.Request:
    key, request_hash = current_idempotency()
    return service.Request(current_principal().user_id, key, request_hash)


class MeSchema(Schema):
    holder = fields.Nested(HolderSchema)


@blp.route("/me", methods=["GET"])
@holder_required
@blp.response(200, MeSchema)
@blp.alt_response(403, description="not_registry_member")
def me():
    """The holder I act for."""
    return {"holder": service.get_holder(_holder())}


@blp.route("/holdings", methods=["GET"])
@holder_required
@blp.arguments(FormatArgsSchema, location="query")
@csv_listing
@blp.response(200, HoldingListSchema)
def my_holdings(args: dict):
    """My units per batch (kgCO2e)."""
    return list_or_csv(holdings(_holder()), HoldingSchema, args, "holdings.csv")


@blp.route("/holders", methods=["GET"])
@holder_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(HolderSchema))
def directory(args: dict):
    """The other holders (to choose a buyer)."""
    return page_or_csv(
        service.select_all(Holder).where(Holder.active.is_(True)),
        Holder.id,
        HolderSchema,
        args,
        "holders.csv",
    )


@blp.route("/transfers", methods=["POST"])
@holder_required
@idempotent
@blp.arguments(TransferCreateSchema)
@blp.response(201, TransferSchema)
@blp.alt_response(404, description="batch_not_found, holder_not_found")
@blp.alt_response(409, description="batch_not_issued, insufficient_units, units_not_held")
@blp.alt_response(422, description="same_holder, holder_inactive, invalid_serial")
def transfer(body: dict):
    """Transfer my units of a batch to another holder (the seller instructs; price in fen
    recorded). Idempotent with an Idempotency-Key."""
    return service.transfer_units(
        _request(),
        from_holder_id=_holder(),
        to_holder_id=body["to_holder_id"],
        batch_id=body["batch_id"],
        quantity=body["quantity"],
        price_fen=body["price_fen"],
        first=body["first"],
    )


@blp.route("/transfers", methods=["GET"])
@holder_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(TransferSchema))
def my_transfers(args: dict):
    """Transfers from or to me, newest first."""
    me = _holder()
    stmt = service.select_all(Transfer).where(
        (Transfer.from_holder_id == me) | (Transfer.to_holder_id == me)
    )
    return page_or_csv(stmt, Transfer.id, TransferSchema, args, "transfers.csv")


@blp.route("/retirements", methods=["POST"])
@holder_required
@idempotent
@blp.arguments(RetirementCreateSchema)
@blp.response(201, RetirementSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_not_issued, insufficient_units, units_not_held")
@blp.alt_response(422, description="invalid_purpose, compliance_year_required, invalid_serial")
def retire(body: dict):
    """Retire (注销) my units for a purpose and a beneficiary; returns the certificate id
    (public page `/registry/certificates/<id>`). Idempotent with an Idempotency-Key."""
    return service.retire_units(
        _request(),
        holder_id=_holder(),
        batch_id=body["batch_id"],
        quantity=body["quantity"],
        purpose=body["purpose"],
        beneficiary=body["beneficiary"],
        jurisdiction=body["jurisdiction"],
        compliance_year=body["compliance_year"],
        note=body["note"],
        first=body["first"],
    )


@blp.route("/retirements", methods=["GET"])
@holder_required
@blp.arguments(ExportPageArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(RetirementSchema))
def my_retirements(args: dict):
    """My retirements, newest first."""
    return page_or_csv(
        service.retirements_stmt(_holder()),
        service.Retirement.id,
        RetirementSchema,
        args,
        "retirements.csv",
    )
