"""The registry's service API (核证减排量): other domains and the views call this module.

From residents' approved records to serialised units and back to a public certificate:
programmes (app/registry/programmes.py), monitoring batches (batches.py), their
verification (verification.py) and issuance (issuance.py), holders and verifiers
(organisations.py), the unit books (books.py), transfers, retirements, cancellations
(movements.py), what is disclosed (disclosure.py) and the residents' aggregation consent
(consent.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.carbon import service as carbon
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.registry.batches import (  # noqa: F401
    BatchNotFound,
    assemble_batch,
    counted_members,
    exclude_records,
    get_batch,
    list_batches_stmt,
)
from app.registry.consent import export_consent, get_consent, set_consent, withdraw_consent  # noqa: F401
from app.registry.disclosure import (  # noqa: F401
    batch_fate,
    block_views,
    blocks_stmt,
    certificate,
    list_batches,
    list_retirements,
    my_reductions,
    search_serial,
    summary,
    with_holder_names,
    with_verifier_names,
)
from app.registry.issuance import issue_batch, register_after_issue  # noqa: F401
from app.registry.labels import template_helpers  # noqa: F401  (events' certificates)
from app.registry.models import BATCH_DRAFT, Batch, BatchMember, Retirement
from app.registry.movements import (  # noqa: F401
    Request,
    cancel_for_revoked_record,
    cancel_units,
    retire_units,
    transfer_units,
)
from app.registry.organisations import (  # noqa: F401
    create_holder,
    create_member_login,
    create_verifier,
    get_holder,
    get_verifier,
    holder_of,
    platform_holder,
    verifier_of,
)
from app.registry.personal import create_pool, offset  # noqa: F401
from app.registry.programmes import (  # noqa: F401
    create_programme,
    create_source_programme,
    get_programme,
    list_programmes,
)
from app.registry.settings import pseudonym, setting
from app.registry.sources import Candidate, register_member_source  # noqa: F401
from app.registry.verification import attach_report, decide_batch, submit_batch  # noqa: F401
from app.registry.verify import register_check  # noqa: F401
from app.registry.views import holdings  # noqa: F401

EVIDENCE_COLUMNS = (
    "position",
    "record_id",
    "resident",
    "scenario",
    "methodology_version",
    "factor_g_per_unit",
    "quantity",
    "unit",
    "carbon_g",
    "day",
    "evidence_kind",
    "evidence_ref",
    "leaf_hash",
)


def evidence_package(batch_id: int) -> list[dict]:
    """The verifier's evidence: each counted member pseudonymised, with its methodology
    and evidence reference, then a totals row. Raises BatchNotFound."""
    batch = get_batch(batch_id)
    members = counted_members(batch.id)
    ids = [m.record_id for m in members if m.record_id is not None]
    records = {r.id: r for r in carbon.records_by_ids(ids)}
    rows = []
    for member in members:
        if member.record_id is None:  # another domain's member: its leaf says what it is
            rows.append(
                {
                    "position": member.position,
                    "evidence_ref": member.source_ref,
                    "carbon_g": member.carbon_mg / 1000,
                    "evidence_kind": "source",
                    "scenario": member.leaf_data,
                    "leaf_hash": member.leaf_hash,
                }
            )
            continue
        record = records[member.record_id]
        rows.append(
            {
                "position": member.position,
                "record_id": record.id,
                "resident": pseudonym(record.user_id),
                "scenario": record.scenario.code,
                "methodology_version": record.methodology.version,
                "factor_g_per_unit": record.methodology.factor_ug_per_unit / 1_000_000,
                "quantity": record.quantity_milli / 1000,
                "unit": record.scenario.unit,
                "carbon_g": member.carbon_mg / 1000,
                "day": record.day.isoformat(),
                "evidence_kind": record.evidence_type,
                "evidence_ref": _public_evidence_ref(record.evidence_ref),
                "leaf_hash": member.leaf_hash,
            }
        )
    rows.append(
        {
            "position": "合计",
            "record_id": len(rows),
            "carbon_g": batch.total_mg / 1000,
            "leaf_hash": batch.merkle_root,
        }
    )
    return rows


def _public_evidence_ref(ref: str) -> str:
    # A photo's upload id would let its holder fetch the picture: show a digest instead.
    if ref.startswith("upload:"):
        return "upload:" + hashlib.sha256(ref.encode()).hexdigest()[:16]
    return ref


def report_dir() -> Path:
    """The directory of verification reports (REGISTRY_REPORT_DIR, else under the instance),
    created 0700 if missing."""
    configured = setting("REGISTRY_REPORT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "registry-reports"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store_report(batch_id: int, verifier_user_id: int, data: bytes, filename: str):
    """Keep an uploaded verification report with its SHA-256 and attach it to the batch.

    Raises Unprocessable (`invalid_report`), BatchNotFound, BatchWrongState."""
    if not data or len(data) > setting("REGISTRY_REPORT_MAX_BYTES"):
        raise Unprocessable("报告文件为空或过大", reason="invalid_report")
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(filename or "").suffix.lower()[:8] if Path(filename or "").suffix else ""
    relative = f"batch-{batch_id}-{digest[:16]}{suffix if suffix.isascii() else ''}"
    batch = attach_report(batch_id, verifier_user_id, sha256=digest, path=relative)
    target = report_dir() / relative
    temporary = target.with_suffix(target.suffix + ".part")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    temporary.replace(target)
    return batch


def report_file(batch_id: int) -> Path:
    """The stored report of a batch (public once submitted). Raises NotFound."""
    batch = get_batch(batch_id)
    path = report_dir() / batch.report_path if batch.report_path else None
    if path is None or not path.is_file():
        raise NotFound("该批次没有上传核查报告", reason="report_not_found")
    return path


def revoke_record(record_id: int, operator_id: int, reason: str) -> dict:
    """A record found fraudulent after approval: it stops counting and its points are taken
    back as far as the resident still has them (carbon), and in the registry it leaves its
    batch or, once issued, its kilograms are cancelled from the buffer, in public.

    Raises NotFound (`checkin_not_found`), Conflict (`record_not_approved`)."""
    revocation = carbon.revoke_record(record_id, decided_by=operator_id, note=reason)
    batch = cancel_for_revoked_record(record_id, operator_id, reason)
    return {
        "record_id": record_id,
        "points_taken_back": revocation.points_taken_back,
        "batch": with_verifier_names([batch])[0] if batch is not None else None,
    }


def reductions_of_record(record_id: int) -> BatchMember | None:
    """The batch membership of a record, if it was ever batched."""
    return db.session.scalar(select(BatchMember).where(BatchMember.record_id == record_id))


def retirements_stmt(holder_id: int | None = None, event_ref: str | None = None):
    """SELECT of retirements, optionally only one holder's and/or one event's."""
    stmt = select(Retirement)
    if holder_id is not None:
        stmt = stmt.where(Retirement.holder_id == holder_id)
    if event_ref is not None:
        stmt = stmt.where(Retirement.event_ref == event_ref)
    return stmt


def select_all(model):
    """A select of every row of a registry table (views page it or export it)."""
    return select(model)


def public_home(serial: str | None, limit: int = 20) -> dict:
    """What the public page shows (app/registry/pages.py): the totals with issuance by
    month and programme, the newest batches past draft and retirements, and where the
    units of `serial` are now (None when nothing was searched). Raises nothing."""
    batches, _ = list_batches(select(Batch).where(Batch.status != BATCH_DRAFT), limit, None)
    retirements, _ = list_retirements(retirements_stmt(), limit, None)
    return {
        "summary": summary(),
        "batches": batches,
        "retirements": retirements,
        "search": None if serial is None else search_serial(serial),
    }


def holding_of(batch_id: int, holder_id: int) -> int:
    """Units of a batch a holder holds now."""
    from app.registry.models import ACCOUNT_HELD, UnitAccount

    return (
        db.session.scalar(
            select(UnitAccount.balance).where(
                UnitAccount.batch_id == batch_id,
                UnitAccount.kind == ACCOUNT_HELD,
                UnitAccount.owner == str(holder_id),
            )
        )
        or 0
    )


def batched_refs(refs: list[str]) -> set[str]:
    """Which of these source refs are already members of a batch (one batch, ever)."""
    found: set[str] = set()
    for start in range(0, len(refs), 1000):
        chunk = refs[start : start + 1000]
        found.update(
            db.session.scalars(
                select(BatchMember.source_ref).where(BatchMember.source_ref.in_(chunk))
            )
        )
    return found


def source_members(prefix: str) -> list[tuple[str, str]]:
    """(source ref, leaf data) of every member whose ref starts with `prefix` (checks)."""
    return list(
        # mypy: the prefix filter excludes NULL source refs.
        db.session.execute(  # type: ignore[arg-type]
            select(BatchMember.source_ref, BatchMember.leaf_data).where(
                BatchMember.source_ref.startswith(prefix)
            )
        ).all()
    )


def certificate_of_retirement(retirement_id: int) -> str | None:
    """The public certificate id of a retirement."""
    return db.session.scalar(
        select(Retirement.certificate_id).where(Retirement.id == retirement_id)
    )
