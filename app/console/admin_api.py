"""Console endpoints for operators: background jobs with progress, merchant accounts."""

from __future__ import annotations

from flask_smorest import Blueprint

from app import jobs
from app.auth import current_principal, operator_required
from app.console import accounts
from app.console.job_kinds import export_file
from app.console.schemas import (
    EmptyBodySchema,
    ExportJobSchema,
    JobSchema,
    MerchantAccountCreateSchema,
    MerchantAccountSchema,
    ReviewJobSchema,
)
from app.csvout import csv_response
from app.idempotency import idempotent

blp = Blueprint("admin_jobs", __name__, description="后台任务 Background jobs (operators)")
accounts_blp = Blueprint(
    "admin_merchant_accounts", __name__, description="商户控制台账号 Merchant console accounts"
)


def _started(kind: str, params: dict, total: int | None = None) -> dict:
    job = jobs.enqueue_job(kind, params, current_principal().user_id, total)
    return jobs.job_view(job)


@blp.route("/checkin-review", methods=["POST"])
@operator_required
@idempotent
@blp.arguments(ReviewJobSchema)
@blp.response(202, JobSchema)
@blp.alt_response(503, description="job_queue_unavailable")
def start_review(body: dict):
    """Approve or reject up to 500 pending check-ins in the background (poll the job).
    Each decision is its own transaction; rejected residents are notified on WeChat."""
    return _started("checkin_review", body, len(body["record_ids"]))


@blp.route("/exports", methods=["POST"])
@operator_required
@blp.arguments(ExportJobSchema)
@blp.response(202, JobSchema)
def start_export(body: dict):
    """Export a whole table as CSV in the background; download it from `/{id}/file`."""
    return _started("export", body)


@blp.route("/points-expiry", methods=["POST"])
@operator_required
@idempotent
@blp.arguments(EmptyBodySchema)
@blp.response(202, JobSchema)
def start_points_expiry(_body: dict):
    """Run the points expiry now (what `flask points expire` does), with progress."""
    return _started("points_expiry", {})


@blp.route("/<string:job_id>", methods=["GET"])
@operator_required
@blp.response(200, JobSchema)
@blp.alt_response(404, description="job_not_found (also another operator's job)")
def get_job(job_id: str):
    """A job's status and progress (`done` of `total`), and its result when finished."""
    return jobs.job_view(jobs.get_job(job_id, current_principal().user_id))


@blp.route("/<string:job_id>/file", methods=["GET"])
@operator_required
@blp.response(200, content_type="text/csv", description="the CSV file (UTF-8 with BOM)")
@blp.alt_response(404, description="job_not_found, export_not_ready")
def get_job_file(job_id: str):
    """The CSV an export job wrote (kept for an hour)."""
    view = jobs.job_view(jobs.get_job(job_id, current_principal().user_id))
    data = export_file(job_id) if view["status"] == "finished" else None
    if data is None:
        raise jobs.JobNotFound("导出文件尚未生成或已过期", reason="export_not_ready")
    return csv_response(data, view["result"]["filename"])


@accounts_blp.route("", methods=["POST"])
@operator_required
@accounts_blp.arguments(MerchantAccountCreateSchema)
@accounts_blp.response(201, MerchantAccountSchema)
@accounts_blp.alt_response(409, description="username_taken")
def create_merchant_account(body: dict):
    """Admit a merchant together with its owner's console login (username + password)."""
    return accounts.create_merchant_with_owner(current_principal().user_id, **body)
