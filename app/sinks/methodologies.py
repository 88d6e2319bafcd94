"""Sink methodology versions: cited sequestration rates per tree or per hectare and year,
loaded from app/sinks/data/sink_methodologies.csv by `flask seed` (idempotent; a new rate
is a new version, never an edit)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.seed import register_seeder
from app.sinks.models import SinkMethodology

DATA = Path(__file__).parent / "data" / "sink_methodologies.csv"


class MethodologyNotFound(NotFound):
    reason, message = "sink_methodology_not_found", "碳汇方法学不存在"


def seed_methodologies(path: Path = DATA) -> int:
    """Add the versions of the file not yet in the database; returns how many."""
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            version = int(row["version"])
            if db.session.scalar(
                select(SinkMethodology.id).where(
                    SinkMethodology.code == row["code"], SinkMethodology.version == version
                )
            ):
                continue
            db.session.add(
                SinkMethodology(
                    code=row["code"],
                    version=version,
                    name=row["name_zh"],
                    kind=row["kind"],
                    basis=row["basis"],
                    mg_per_year=int(Decimal(row["kg_co2e_per_year"]) * 1_000_000),
                    status=row["status"],
                    source=row["source"],
                    valid_from=date.fromisoformat(row["valid_from"]),
                )
            )
            added += 1
    db.session.flush()
    return added


@register_seeder
def seed_sink_methodologies(_demo: bool) -> str | None:
    """Seeder: the built-in sink methodology versions; returns a summary line or None."""
    added = seed_methodologies()
    return f"sinks: {added} new methodology versions" if added else None


def find_methodology(code: str, version: int | None = None) -> SinkMethodology:
    """A methodology version (the latest when `version` is None). Raises MethodologyNotFound."""
    stmt = select(SinkMethodology).where(SinkMethodology.code == code)
    if version is not None:
        stmt = stmt.where(SinkMethodology.version == version)
    found = db.session.scalar(stmt.order_by(SinkMethodology.version.desc()).limit(1))
    if found is None:
        raise MethodologyNotFound()
    return found


def list_methodologies() -> list[SinkMethodology]:
    """Every sink methodology version, by code and version."""
    return list(
        db.session.scalars(
            select(SinkMethodology).order_by(SinkMethodology.code, SinkMethodology.version)
        )
    )
