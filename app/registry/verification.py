"""A batch with its verification body: submitted, the report attached, verified or
returned with a note (the states are in app/registry/batches.py)."""

from __future__ import annotations

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.registry import organisations
from app.registry.batches import BatchNotFound, BatchWrongState, get_batch, move_status
from app.registry.models import (
    BATCH_DRAFT,
    BATCH_RETURNED,
    BATCH_SUBMITTED,
    BATCH_VERIFIED,
    Batch,
)


def submit_batch(batch_id: int, verifier_id: int, submitted_by: int) -> Batch:
    """Send a draft (or returned and reworked) batch to a verifier.

    Raises BatchNotFound, BatchNotDraft (409), VerifierNotFound (404)."""
    organisations.get_verifier(verifier_id)
    return move_status(
        batch_id,
        (BATCH_DRAFT, BATCH_RETURNED),
        BATCH_SUBMITTED,
        verifier_id=verifier_id,
        submitted_by=submitted_by,
        submitted_at=utcnow(),
    )


def _assigned(batch_id: int, verifier_user_id: int) -> Batch:
    batch = get_batch(batch_id)
    if batch.verifier_id != organisations.verifier_of(verifier_user_id):
        raise BatchNotFound()  # another body's batch looks like no batch
    return batch


def attach_report(
    batch_id: int, verifier_user_id: int, *, sha256: str, url: str = "", path: str = ""
) -> Batch:
    """Record the verification report (an uploaded file or a link, with its SHA-256).

    Raises BatchNotFound (also another verifier's), BatchWrongState (not submitted)."""
    batch = _assigned(batch_id, verifier_user_id)
    if batch.status != BATCH_SUBMITTED:
        raise BatchWrongState()
    batch.report_sha256, batch.report_url, batch.report_path = sha256, url, path
    db.session.flush()
    return batch


def decide_batch(batch_id: int, verifier_user_id: int, *, verified: bool, note: str) -> Batch:
    """The verifier's decision: verified, or returned with a note.

    Raises BatchNotFound, BatchWrongState, Conflict (`report_required` to verify)."""
    batch = _assigned(batch_id, verifier_user_id)
    if verified and not batch.report_sha256:
        raise Conflict("请先上传或登记核查报告", reason="report_required")
    return move_status(
        batch.id,
        (BATCH_SUBMITTED,),
        BATCH_VERIFIED if verified else BATCH_RETURNED,
        verified_by=verifier_user_id,
        verified_at=utcnow(),
        verification_note=note[:2000],
    )
