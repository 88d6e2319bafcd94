"""Carbon sinks' service API (林草湿碳汇): projects with trees or plots and a cited
methodology (projects.py, methodologies.py), yearly ex-post measurements issued through
the registry (monitoring.py), and residents adopting trees (adoption.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.carbon import service as carbon
from app.extensions import db
from app.registry import service as registry
from app.sinks import monitoring  # noqa: F401  (registers the registry source and hooks)
from app.sinks.adoption import adopt_tree, mark_tree_dead, my_adoptions  # noqa: F401
from app.sinks.methodologies import list_methodologies  # noqa: F401
from app.sinks.models import Adoption, SinkCredit, SinkProject, Tree
from app.sinks.monitoring import record_measurements  # noqa: F401
from app.sinks.projects import (  # noqa: F401
    add_plot,
    add_trees,
    create_project,
    estimate_mg_per_year,
    get_project,
    get_tree,
    list_projects,
    trees_stmt,
)


def with_estimates(projects: list[SinkProject]) -> list[SinkProject]:
    """Attach `estimate_kg` (ex-ante, labelled estimated wherever shown)."""
    for project in projects:
        # mypy: display-only attribute for the schemas.
        project.estimate_kg = round(estimate_mg_per_year(project) / 1_000_000, 3)  # type: ignore[attr-defined]
    return projects


def trees_for_adoption(project_id: int, year: int, *, spares: bool = False) -> list[Tree]:
    """A project's trees with `adopted` for a year; spare trees (not offered for adoption)
    only with `spares` (the operators' view). Raises ProjectNotFound."""
    get_project(project_id)
    stmt = trees_stmt(project_id)
    if not spares:
        stmt = stmt.where(Tree.spare.is_(False))
    trees = list(db.session.scalars(stmt.order_by(Tree.spare, Tree.code)))
    taken = set(
        db.session.scalars(
            select(Adoption.tree_id).where(
                Adoption.year == year, Adoption.tree_id.in_([t.id for t in trees])
            )
        )
    )
    for tree in trees:
        tree.adopted = tree.id in taken
    return trees


def adoption_view(user_id: int, adoption_id: int) -> dict:
    """One of the resident's adoptions as the certificate shows it. Raises NotFound."""
    from app.errors import NotFound

    for item in my_adoptions(user_id):
        if item["adoption"].id == adoption_id:
            return _with_certificates([item])[0]
    raise NotFound("认领记录不存在", reason="adoption_not_found")


def adoptions_view(user_id: int) -> list[dict]:
    """All the resident's adoptions as their certificates show them."""
    return _with_certificates(my_adoptions(user_id))


def _with_certificates(items: list[dict]) -> list[dict]:
    ids = {i["credit"].retirement_id for i in items if i["credit"] and i["credit"].retirement_id}
    if ids:
        certificates = dict(
            db.session.execute(
                select(registry.Retirement.id, registry.Retirement.certificate_id).where(
                    registry.Retirement.id.in_(ids)
                )
            )
            .tuples()
            .all()
        )
        for item in items:
            credit: SinkCredit | None = item["credit"]
            if credit is not None:
                # mypy: display-only attribute; an uncredited retirement id finds None.
                credit.certificate_id = certificates.get(credit.retirement_id)  # type: ignore[arg-type, attr-defined]
    return items


def _account_section(user_id: int) -> dict:
    total = db.session.execute(
        select(db.func.coalesce(db.func.sum(SinkCredit.carbon_mg), 0)).where(
            SinkCredit.user_id == user_id
        )
    ).scalar_one()
    return {"sink_total_g": round(int(total) / 1000, 3)}


carbon.register_account_section(_account_section)
