"""Yearly monitoring (ex-post): measurements become registry units only through a verified
batch of the project's programme; adopters of a tree get its verified year.

- `record_measurements` writes one measurement per living tree (or plot) for a finished
  year, at the methodology's rate unless a measured figure is given; (tree, year) and
  (plot, year) are unique.
- The registry asks this module for a sink programme's batch members (`_candidates`):
  the project's measurements of the period's years not yet batched, each leaf naming the
  measurement, project, methodology, carbon, year and subject.
- When such a batch is issued (`_credit_adopters`, in the issuing transaction), the
  owner retires, on the adopters' behalf, whole kilograms covering every adopted
  tree-year of the batch (rounded up) and each adopter gets a SinkCredit with the exact
  verified grams: the adopted grams are never sold to anyone else, nor credited twice.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from sqlalchemy import select

from app import cache
from app.clock import shanghai_today
from app.db import table_of, utcnow
from app.errors import Unprocessable
from app.extensions import db
from app.ledger.service import VerifyReport
from app.registry import service as registry
from app.registry.models import MG_PER_UNIT, Batch, Programme
from app.sinks.models import (
    ADOPTION_ACTIVE,
    BASIS_TREE,
    TREE_ALIVE,
    Adoption,
    Measurement,
    Plot,
    SinkCredit,
    SinkProject,
    Tree,
)
from app.sinks.projects import PROGRAMME_KIND, get_project
from app.sql import conflict_insert

_measurements = table_of(Measurement)
LEAF_FORMAT = "s1"


def source_ref(measurement_id: int) -> str:
    """The registry source reference of a monitoring measurement."""
    return f"sink-measurement:{measurement_id}"


def record_measurements(
    project_id: int, year: int, created_by: int, measured_kg: dict[str, float] | None = None
) -> int:
    """Measure a finished year for every living tree (or plot) not yet measured; returns
    how many were added. `measured_kg` gives measured figures by tree/plot code (the
    methodology's rate otherwise). Raises ProjectNotFound, Unprocessable (`year_not_over`,
    `unknown_subject`)."""
    project = get_project(project_id)
    if year >= shanghai_today().year:
        raise Unprocessable("只能登记已结束年度的监测结果（事后计量）", reason="year_not_over")
    measured = {code.upper(): kg for code, kg in (measured_kg or {}).items()}
    rate = project.methodology.mg_per_year
    if project.methodology.basis == BASIS_TREE:
        subjects = db.session.scalars(
            select(Tree).where(
                Tree.project_id == project.id, Tree.status == TREE_ALIVE, Tree.planted_year <= year
            )
        ).all()
        rows: list[dict[str, Any]] = [
            {"tree_id": t.id, "plot_id": None, "code": t.code, "mg": rate} for t in subjects
        ]
    else:
        plots = db.session.scalars(select(Plot).where(Plot.project_id == project.id)).all()
        rows = [
            {"tree_id": None, "plot_id": p.id, "code": p.code, "mg": p.area_m2 * rate // 10_000}
            for p in plots
        ]
    unknown = set(measured) - {r["code"] for r in rows}
    if unknown:
        raise Unprocessable(f"未知或未存活的编号：{sorted(unknown)}", reason="unknown_subject")
    added = 0
    for row in rows:
        mg = int(measured[row["code"]] * MG_PER_UNIT) if row["code"] in measured else row["mg"]
        result = db.session.execute(
            conflict_insert(_measurements)
            .values(
                project_id=project.id,
                year=year,
                tree_id=row["tree_id"],
                plot_id=row["plot_id"],
                methodology_id=project.methodology_id,
                carbon_mg=max(0, mg),
                note="实测" if row["code"] in measured else "方法学缺省值",
                created_by=created_by,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing()
            .returning(_measurements.c.id)
        )
        added += len(result.all())
    return added


def _leaf_data(m: Measurement, project: SinkProject, subject_code: str) -> str:
    return json.dumps(
        [
            LEAF_FORMAT,
            m.id,
            project.code,
            project.methodology.code,
            project.methodology.version,
            int(m.carbon_mg),
            m.year,
            "tree" if m.tree_id else "plot",
            subject_code,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _subject_codes(measurements: list[Measurement]) -> dict[int, str]:
    tree_ids = [m.tree_id for m in measurements if m.tree_id]
    plot_ids = [m.plot_id for m in measurements if m.plot_id]
    trees, plots = {}, {}
    if tree_ids:
        trees = dict(
            db.session.execute(select(Tree.id, Tree.code).where(Tree.id.in_(tree_ids)))
            .tuples()
            .all()
        )
    if plot_ids:
        plots = dict(
            db.session.execute(select(Plot.id, Plot.code).where(Plot.id.in_(plot_ids)))
            .tuples()
            .all()
        )
    # mypy: a measurement names a tree or a plot; the NULL one finds nothing.
    return {m.id: trees.get(m.tree_id) or plots.get(m.plot_id) for m in measurements}  # type: ignore[arg-type, misc]


def _project_of(programme: Programme) -> SinkProject:
    # mypy: a sink programme's source_ref is set (sink:<project>:<methodology>).
    return get_project(int(programme.source_ref.split(":")[1]))  # type: ignore[union-attr]


def _candidates(programme: Programme, period_start: date, period_end: date) -> list:
    project = _project_of(programme)
    found = list(
        db.session.scalars(
            select(Measurement)
            .where(
                Measurement.project_id == project.id,
                Measurement.carbon_mg > 0,
                # mypy: a sink programme's source_ref is set (sink:<project>:<methodology>).
                Measurement.methodology_id == int(programme.source_ref.split(":")[2]),  # type: ignore[arg-type, union-attr]
                Measurement.year >= period_start.year,
                Measurement.year <= period_end.year,
            )
            .order_by(Measurement.id)
        )
    )
    batched = registry.batched_refs([source_ref(m.id) for m in found])
    measurements = [m for m in found if source_ref(m.id) not in batched]
    codes = _subject_codes(measurements)
    return [
        registry.Candidate(
            carbon_mg=m.carbon_mg,
            leaf_data=_leaf_data(m, project, codes[m.id]),
            source_ref=source_ref(m.id),
        )
        for m in measurements
    ]


def _credit_adopters(batch: Batch, operator_id: int) -> None:
    # mypy: counted sink members have their source_ref.
    ids = [int(m.source_ref.split(":")[1]) for m in registry.counted_members(batch.id)]  # type: ignore[union-attr]
    if not ids:
        return
    pairs = db.session.execute(
        select(Adoption, Measurement)
        .join(
            Measurement,
            (Measurement.tree_id == Adoption.tree_id) & (Measurement.year == Adoption.year),
        )
        .where(Measurement.id.in_(ids), Adoption.status == ADOPTION_ACTIVE)
    ).all()
    if not pairs:
        return
    owner = batch.programme.issue_to_holder_id
    total = sum(m.carbon_mg for _, m in pairs)
    # mypy: a sink programme issues to its owner holder (issue_to_holder_id is set).
    quantity = min(math.ceil(total / MG_PER_UNIT), registry.holding_of(batch.id, owner))  # type: ignore[arg-type]
    retirement = None
    if quantity:
        year = pairs[0][1].year
        retirement = registry.retire_units(
            registry.Request(operator_id),
            holder_id=owner,  # type: ignore[arg-type]  # set, as above
            batch_id=batch.id,
            quantity=quantity,
            purpose="personal",
            beneficiary=f"认领树苗的 {len(pairs)} 位居民（{year} 年）",
            note="认领树苗：经核证的年度碳汇为认领居民注销，不再出售",
            event_ref=f"adoptions:{batch.id}",
        )
    for adoption, measurement in pairs:
        cache.bump_after_commit(cache.user_generation_key(adoption.user_id))  # their account
        db.session.add(
            SinkCredit(
                user_id=adoption.user_id,
                adoption_id=adoption.id,
                measurement_id=measurement.id,
                carbon_mg=measurement.carbon_mg,
                year=measurement.year,
                batch_id=batch.id,
                retirement_id=retirement.id if retirement else None,
            )
        )
    db.session.flush()


def _check_members(report: VerifyReport) -> None:
    """Each sink member's leaf data names its measurement as it is."""
    for ref, data in registry.source_members("sink-measurement:"):
        measurement = db.session.get(Measurement, int(ref.split(":")[1]))
        if measurement is None:
            report.add("sink", ref, "the measurement is gone")
            continue
        project = db.session.get_one(SinkProject, measurement.project_id)
        code = _subject_codes([measurement])[measurement.id]
        if _leaf_data(measurement, project, code) != data:
            report.add("sink", ref, "leaf data differs from the measurement")


registry.register_member_source(PROGRAMME_KIND, _candidates)
registry.register_after_issue(PROGRAMME_KIND, _credit_adopters)
registry.register_check(_check_members)
