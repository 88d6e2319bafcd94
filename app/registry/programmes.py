"""Programmes (备案): one per scenario and methodology version, the class of units a batch
of that version issues; and the serial numbers of batches and blocks.

Batch serial: CN-<region>-PH-<programme>-<period start>-<period end>-<batch seq>, e.g.
CN-XX-PH-P001-20261101-20261130-001; a block appends -<first>-<last> (1-based, inclusive)
after the UNDP carbon-registry style, with the monitoring period in it as Regen's batch
denominations have.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.errors import Conflict, NotFound
from app.extensions import db
from app.pagination import paginate_desc
from app.registry.models import Batch, Block, Programme
from app.registry.settings import setting


class ProgrammeNotFound(NotFound):
    reason, message = "programme_not_found", "方法学项目不存在"


def create_programme(scenario_code: str, version: int, created_by: int | None) -> Programme:
    """Register a programme for a scenario's methodology version (versions are never
    edited, so a programme's rules never change). Raises ScenarioNotFound, NotFound
    (`methodology_version_not_found`), Conflict (`programme_exists`)."""
    scenario = carbon.get_scenario(scenario_code)
    methodology = carbon.find_methodology_version(scenario.id, version)
    if db.session.scalar(
        select(Programme.id).where(Programme.methodology_version_id == methodology.id)
    ):
        raise Conflict("该方法学版本已有备案项目", reason="programme_exists")
    count = db.session.scalar(select(func.count(Programme.id))) or 0
    try:
        with db.session.begin_nested():
            programme = Programme(
                code=f"P{count + 1:03d}",
                scenario_id=scenario.id,
                methodology_version_id=methodology.id,
                name=f"{scenario.name}（方法学 v{methodology.version}）",
                created_by=created_by,
            )
            db.session.add(programme)
    except IntegrityError:
        raise Conflict("该方法学版本已有备案项目", reason="programme_exists") from None
    return programme


def get_programme(programme_id: int) -> Programme:
    """One programme. Raises ProgrammeNotFound."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise ProgrammeNotFound()
    return programme


def list_programmes(limit: int, cursor: str | None) -> tuple[list[Programme], str | None]:
    """Programmes, newest first. Raises InvalidCursor."""
    return paginate_desc(select(Programme), Programme.id, limit, cursor)


def batch_serial(batch: Batch) -> str:
    """The serial prefix of a batch's units."""
    return (
        f"CN-{setting('REGISTRY_REGION')}-PH-{batch.programme.code}-"
        f"{batch.period_start:%Y%m%d}-{batch.period_end:%Y%m%d}-{batch.seq:03d}"
    )


def block_serial(batch: Batch, block: Block) -> str:
    """The serial of a block of a batch: batch serial, first and last unit."""
    return f"{batch.serial}-{block.first}-{block.last}"


def parse_serial(text: str) -> tuple[str, int, int] | None:
    """(batch serial, first, last) of a block or unit serial ("...-7" is unit 7)."""
    parts = text.strip().upper().split("-")
    if len(parts) not in (8, 9) or not all(p.isdigit() and len(p) <= 12 for p in parts[7:]):
        return None
    numbers = [int(p) for p in parts[7:]]
    first, last = numbers[0], numbers[-1]
    if first < 1 or last < first:
        return None
    return "-".join(parts[:7]), first, last


def create_source_programme(
    kind: str, source_ref: str, name: str, issue_to_holder_id: int, created_by: int | None
) -> Programme:
    """A programme of another domain (e.g. a carbon-sink project under its methodology):
    its members come from that domain's registered source and its units are issued to
    `issue_to_holder_id`. The same `source_ref` twice returns the existing one."""
    existing = db.session.scalar(select(Programme).where(Programme.source_ref == source_ref))
    if existing is not None:
        return existing
    count = db.session.scalar(select(func.count(Programme.id))) or 0
    programme = Programme(
        code=f"P{count + 1:03d}",
        kind=kind,
        source_ref=source_ref,
        name=name[:100],
        issue_to_holder_id=issue_to_holder_id,
        created_by=created_by,
    )
    db.session.add(programme)
    db.session.flush()
    return programme
