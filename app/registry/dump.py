"""The registry's daily public dump: every public fact as one JSON document, and the
active serial blocks as CSV, as of the Asia/Shanghai day (cacheable for that day)."""

from __future__ import annotations

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.registry import disclosure
from app.registry.models import BATCH_DRAFT, Batch, Block, Programme
from app.registry.settings import shanghai_today

BLOCK_COLUMNS = (
    "serial",
    "batch_id",
    "first",
    "last",
    "quantity",
    "status",
    "holder",
    "certificate_id",
)


def today() -> str:
    """Today's Asia/Shanghai date as YYYY-MM-DD."""
    return shanghai_today().isoformat()


def block_rows() -> list[dict]:
    """Every active block, in serial order."""
    blocks = list(
        db.session.scalars(
            select(Block).where(Block.active.is_(True)).order_by(Block.batch_id, Block.first)
        )
    )
    return disclosure.block_views(blocks)


def as_json() -> dict:
    """Summary, programmes, public batches, active blocks and retirements."""
    from app.registry.public_api import PublicRetirementSchema
    from app.registry.schemas import BatchSchema, ProgrammeSchema

    batches = disclosure.with_verifier_names(
        list(
            db.session.scalars(select(Batch).where(Batch.status != BATCH_DRAFT).order_by(Batch.id))
        )
    )
    retirements, _ = disclosure.list_retirements(
        select(disclosure.Retirement), limit=1_000_000, cursor=None
    )
    return {
        "as_of": today(),
        "generated_at": utcnow().isoformat(),
        "summary": disclosure.summary(),
        "programmes": ProgrammeSchema(many=True).dump(
            db.session.scalars(select(Programme).order_by(Programme.id))
        ),
        "batches": BatchSchema(many=True).dump(batches),
        "blocks": block_rows(),
        "retirements": PublicRetirementSchema(many=True).dump(retirements),
    }
