"""Operator endpoint: read the audit log."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.audit import models as _models  # noqa: F401  (registers the table)
from app.audit import service
from app.audit.schemas import AuditEntrySchema, AuditListArgsSchema
from app.auth import operator_required
from app.pagination import Page, page_schema

blp = Blueprint("admin_audit", __name__, description="审计日志 Audit log (operators)")


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(AuditListArgsSchema, location="query")
@blp.response(200, page_schema(AuditEntrySchema))
@blp.alt_response(400, description="invalid_cursor")
def list_audit_log(args: dict):
    """Operator and system actions, newest first (filter by action, target, actor)."""
    rows, next_cursor = service.list_audit_entries(
        args["limit"],
        args["cursor"],
        action=args["action"],
        target=args["target"],
        actor_id=args["actor_id"],
    )
    return Page(rows, next_cursor)
