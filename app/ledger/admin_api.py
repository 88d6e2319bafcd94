"""Operator endpoints: two-person points adjustments and a resident's points history."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, operator_required
from app.idempotency import current_idempotency, idempotent
from app.ledger import service
from app.ledger.schemas import (
    AdjustmentCreateSchema,
    AdjustmentDecisionSchema,
    AdjustmentListArgsSchema,
    AdjustmentSchema,
    ResidentPointsSchema,
)
from app.pagination import Page, PageArgsSchema, page_schema

blp = Blueprint("admin_points", __name__, description="积分调整 Points adjustments (operators)")


@blp.route("/adjustments", methods=["POST"])
@operator_required
@idempotent
@blp.arguments(AdjustmentCreateSchema)
@blp.response(201, AdjustmentSchema)
@blp.alt_response(404, description="user_not_found")
@blp.alt_response(422, description="validation_error, idempotency_key_reused")
def create_adjustment(body: dict):
    """Propose a points adjustment (signed amount, with a reason); another operator must
    approve it before any points move."""
    return service.create_adjustment(
        current_principal().user_id, body["user_id"], body["amount"], body["reason"]
    )


@blp.route("/adjustments", methods=["GET"])
@operator_required
@blp.arguments(AdjustmentListArgsSchema, location="query")
@blp.response(200, page_schema(AdjustmentSchema))
@blp.alt_response(400, description="invalid_cursor")
def list_adjustments(args: dict):
    """Adjustments, newest first (`?status=pending_approval` for the approval queue)."""
    rows, next_cursor = service.list_adjustments(
        args["limit"], args["cursor"], status=args["status"], user_id=args["user_id"]
    )
    return Page(rows, next_cursor)


@blp.route("/adjustments/<int:adjustment_id>", methods=["GET"])
@operator_required
@blp.response(200, AdjustmentSchema)
@blp.alt_response(404, description="adjustment_not_found")
def get_adjustment(adjustment_id: int):
    """One adjustment with who proposed and who decided it."""
    return service.get_adjustment(adjustment_id)


@blp.route("/adjustments/<int:adjustment_id>/approve", methods=["POST"])
@operator_required
@idempotent
@blp.arguments(AdjustmentDecisionSchema(), required=False)
@blp.response(200, AdjustmentSchema)
@blp.alt_response(404, description="adjustment_not_found")
@blp.alt_response(409, description="same_operator, adjustment_not_pending, insufficient_points")
def approve_adjustment(body: dict, adjustment_id: int):
    """Approve someone else's adjustment: the points move now (status `applied`)."""
    key, request_hash = current_idempotency()
    return service.approve_adjustment(
        adjustment_id,
        current_principal().user_id,
        (body or {}).get("note"),
        idempotency_key=key,
        request_hash=request_hash,
    )


@blp.route("/adjustments/<int:adjustment_id>/reject", methods=["POST"])
@operator_required
@idempotent
@blp.arguments(AdjustmentDecisionSchema(), required=False)
@blp.response(200, AdjustmentSchema)
@blp.alt_response(404, description="adjustment_not_found")
@blp.alt_response(409, description="adjustment_not_pending")
def reject_adjustment(body: dict, adjustment_id: int):
    """Reject a pending adjustment (the maker may withdraw their own)."""
    return service.reject_adjustment(
        adjustment_id, current_principal().user_id, (body or {}).get("note")
    )


@blp.route("/users/<int:user_id>", methods=["GET"])
@operator_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ResidentPointsSchema)
@blp.alt_response(400, description="invalid_cursor")
def resident_points(args: dict, user_id: int):
    """A resident's balance and points history, for checking before an adjustment."""
    return service.get_resident_points(user_id, args["limit"], args["cursor"])
