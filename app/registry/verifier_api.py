"""Verifier endpoints (核查机构): the inbox of batches assigned to my body, the evidence
package, the report (a file with its SHA-256, or a link), and the decision.

The report and the decision are audited like the operators' registry writes: the
operators' audit log then shows, next to who assembled, submitted and issued a batch,
who attached its report and who verified or returned it.
"""

from __future__ import annotations

from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import current_principal, verifier_required
from app.csvout import csv_response, to_csv
from app.pagination import page_schema
from app.registry import service
from app.registry.models import Batch
from app.registry.schemas import (
    BatchListArgsSchema,
    BatchSchema,
    DecisionSchema,
    ReportFileSchema,
    ReportLinkSchema,
    ReturnSchema,
)
from app.registry.views import csv_listing, page_or_csv

blp = Blueprint("verifier_registry", __name__, description="核查 Verification (verifiers)")


def _me() -> int:
    return current_principal().user_id


def _own(batch_id: int) -> Batch:
    batch = service.get_batch(batch_id)
    if batch.verifier_id != service.verifier_of(_me()):
        raise service.BatchNotFound()
    return service.with_verifier_names([batch])[0]


@blp.route("/batches", methods=["GET"])
@verifier_required
@blp.arguments(BatchListArgsSchema, location="query")
@csv_listing
@blp.response(200, page_schema(BatchSchema))
@blp.alt_response(403, description="not_registry_member")
def inbox(args: dict):
    """Batches assigned to my verification body (`?status=submitted` for the inbox)."""
    stmt = service.list_batches_stmt(args["status"], verifier_id=service.verifier_of(_me()))
    return page_or_csv(
        stmt, Batch.id, BatchSchema, args, "batches.csv", service.with_verifier_names
    )


@blp.route("/batches/<int:batch_id>", methods=["GET"])
@verifier_required
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found (also another body's batch)")
def get_batch(batch_id: int):
    """One of my batches."""
    return _own(batch_id)


@blp.route("/batches/<int:batch_id>/evidence", methods=["GET"])
@verifier_required
@blp.response(
    200,
    content_type="text/csv",
    description="CSV: pseudonymised members, methodology, evidence, sums",
)
@blp.alt_response(404, description="batch_not_found")
def evidence(batch_id: int):
    """The evidence package of one of my batches, as CSV."""
    _own(batch_id)
    rows = service.evidence_package(batch_id)
    return csv_response(to_csv(rows, service.EVIDENCE_COLUMNS), f"batch-{batch_id}-evidence.csv")


@blp.route("/batches/<int:batch_id>/report", methods=["POST"])
@verifier_required
@audited("registry.batch.report", "batch:{batch_id}")
@blp.arguments(ReportFileSchema, location="files")
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_wrong_state")
@blp.alt_response(422, description="invalid_report")
def upload_report(files: dict, batch_id: int):
    """Upload the verification report (stored with its SHA-256, public once issued)."""
    upload = files["file"]
    batch = service.store_report(batch_id, _me(), upload.read(), upload.filename or "")
    return service.with_verifier_names([batch])[0]


@blp.route("/batches/<int:batch_id>/report-link", methods=["POST"])
@verifier_required
@audited("registry.batch.report", "batch:{batch_id}")
@blp.arguments(ReportLinkSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_wrong_state")
def link_report(body: dict, batch_id: int):
    """Link a report published elsewhere, with the SHA-256 of its file."""
    batch = service.attach_report(batch_id, _me(), sha256=body["sha256"], url=body["url"])
    return service.with_verifier_names([batch])[0]


@blp.route("/batches/<int:batch_id>/verify", methods=["POST"])
@verifier_required
@audited("registry.batch.verify", "batch:{batch_id}")
@blp.arguments(DecisionSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_wrong_state, report_required")
def verify_batch(body: dict, batch_id: int):
    """Verify the batch (its report attached first)."""
    batch = service.decide_batch(batch_id, _me(), verified=True, note=body["note"])
    return service.with_verifier_names([batch])[0]


@blp.route("/batches/<int:batch_id>/return", methods=["POST"])
@verifier_required
@audited("registry.batch.return", "batch:{batch_id}")
@blp.arguments(ReturnSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, description="batch_not_found")
@blp.alt_response(409, description="batch_wrong_state")
def return_batch(body: dict, batch_id: int):
    """Return the batch to the operators with a note (what to fix)."""
    batch = service.decide_batch(batch_id, _me(), verified=False, note=body["note"])
    return service.with_verifier_names([batch])[0]
