"""The console's long operations, run by the RQ worker (see app/jobs.py).

Each kind calls the owning domain's service for one item at a time and commits after
each item (or batch), so a failure on one check-in never undoes the others and a crash
loses at most the item in hand; every item's own rules (already decided, caps, budget)
still apply exactly as for a single click.
"""

from __future__ import annotations

import logging

from app.audit.service import record_audit
from app.checkins import service as checkins
from app.csvout import BOM, csv_lines
from app.db import utcnow
from app.errors import AppError
from app.extensions import db
from app.jobs import KEEP_SECONDS, Progress, register_job, rq_connection
from app.ledger import service as ledger
from app.stats import exports

log = logging.getLogger(__name__)
EXPORT_KEY = "console:export:{job_id}"


@register_job("checkin_review", "批量审核打卡")
def review_checkins(params: dict, operator_id: int, progress: Progress) -> dict:
    """Approve or reject many pending check-ins, one committed decision each."""
    record_ids: list[int] = params["record_ids"]
    approve = params["decision"] == "approve"
    note = params.get("note", "")
    progress.set_total(len(record_ids))
    succeeded, failed = 0, []
    for record_id in record_ids:
        try:
            if approve:
                checkins.approve_checkin(record_id, operator_id)
            else:  # the check-ins service queues the resident's WeChat notice on commit
                checkins.reject_checkin(record_id, operator_id, note)
            db.session.commit()
            succeeded += 1
        except AppError as exc:
            db.session.rollback()
            failed.append({"id": record_id, "reason": exc.reason, "message": exc.message})
        progress.step()
    result = {"decision": params["decision"], "succeeded": succeeded, "failed": failed}
    job_id = progress.job.id if progress.job else "inline"
    record_audit(operator_id, "checkins.bulk_review", f"job:{job_id}",
                 {"record_ids": record_ids, "note": note}, result)  # fmt: skip
    db.session.commit()
    progress.finish()
    return result


@register_job("export", "导出 CSV")
def export_csv(params: dict, operator_id: int, progress: Progress) -> dict:
    """Write a whole table as CSV into Redis (kept an hour) for the operator to download."""
    table = params["table"]
    spec = exports.export_spec(table)
    progress.set_total(exports.count_rows(table))
    parts = [BOM, *csv_lines(spec.columns, [])]
    rows = 0
    for batch in exports.iter_batches(table):
        parts.extend(csv_lines(spec.columns, batch, header=False))
        rows += len(batch)
        progress.step(len(batch))
    db.session.rollback()  # end the read transaction before writing the audit row
    data = "".join(parts).encode("utf-8")
    filename = f"{table}-{utcnow():%Y%m%d-%H%M%S}.csv"
    job_id = progress.job.id if progress.job else "inline"
    rq_connection().set(EXPORT_KEY.format(job_id=job_id), data, ex=KEEP_SECONDS)
    record_audit(operator_id, "export.csv", f"export:{table}", None, {"rows": rows})
    db.session.commit()
    progress.finish()
    return {"table": table, "label": spec.label, "rows": rows, "filename": filename,
            "bytes": len(data)}  # fmt: skip


def export_file(job_id: str) -> bytes | None:
    """The CSV an export job wrote, or None once it has expired."""
    # rq's connection does not decode responses: get() answers bytes, never str.
    return rq_connection().get(EXPORT_KEY.format(job_id=job_id))  # type: ignore[return-value]


@register_job("points_expiry", "积分过期处理")
def expire_points(params: dict, operator_id: int, progress: Progress) -> dict:
    """The points expiry run (as `flask points expire`), with progress per account."""
    now = utcnow()
    due_accounts, _due_points = ledger.count_due(now)
    db.session.rollback()
    progress.set_total(due_accounts)
    total = ledger.ExpiryBatch(0, 0, None)
    for batch, running in ledger.expiry_batches(now, batch_size=100):
        db.session.commit()  # each batch is kept as it is done
        progress.step(batch.accounts)
        total = running
    ledger.audit_expiry_run(now, total, operator_id)
    db.session.commit()
    result = {"as_of": now.isoformat(), "accounts": total.accounts, "points": total.points}
    progress.finish()
    return result
