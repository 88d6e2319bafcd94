"""Sink projects, their trees and plots, and the estimated (ex-ante) sequestration that is
only ever shown as an estimate: units come from verified measurements alone."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.pagination import paginate_desc
from app.registry import service as registry
from app.sinks.methodologies import find_methodology
from app.sinks.models import (
    BASIS_HECTARE,
    BASIS_TREE,
    SINK_KINDS,
    TREE_ALIVE,
    Plot,
    SinkProject,
    Tree,
)

PROGRAMME_KIND = "sink"
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


class ProjectNotFound(NotFound):
    reason, message = "sink_project_not_found", "碳汇项目不存在"


class TreeNotFound(NotFound):
    reason, message = "tree_not_found", "树木不存在"


def _code(value: str, what: str) -> str:
    code = value.strip().upper()
    if not _CODE.match(code):
        raise Unprocessable(f"{what}编号为 2-32 位大写字母、数字、-、_", reason="invalid_code")
    return code


def create_project(
    *,
    code: str,
    name: str,
    kind: str,
    owner_holder_id: int,
    methodology_code: str,
    methodology_version: int | None = None,
    region: str = "",
    description: str = "",
    adoption_points: int = 0,
    created_by: int | None = None,
) -> SinkProject:
    """A sink project of a registry holder under a methodology version, with its registry
    programme (kind "sink"; issued units go to the owner).

    Raises Unprocessable (`invalid_code`, `invalid_sink_kind`), HolderNotFound,
    MethodologyNotFound (404), Conflict (`sink_project_exists`)."""
    code = _code(code, "项目")
    if kind not in SINK_KINDS:
        raise Unprocessable("碳汇类型无效", reason="invalid_sink_kind")
    owner = registry.get_holder(owner_holder_id)
    methodology = find_methodology(methodology_code, methodology_version)
    if methodology.kind != kind:
        raise Unprocessable("方法学与碳汇类型不符", reason="invalid_sink_kind")
    if db.session.scalar(select(SinkProject.id).where(SinkProject.code == code)):
        raise Conflict("项目编号已存在", reason="sink_project_exists")
    project = SinkProject(
        code=code,
        name=name.strip(),
        kind=kind,
        region=region.strip(),
        description=description.strip(),
        owner_holder_id=owner.id,
        methodology_id=methodology.id,
        adoption_points=adoption_points,
        created_by=created_by,
    )
    db.session.add(project)
    db.session.flush()
    programme = registry.create_source_programme(
        PROGRAMME_KIND,
        f"sink:{project.id}:{methodology.id}",
        f"{project.name}（{methodology.name} v{methodology.version}）",
        owner.id,
        created_by,
    )
    project.programme_id = programme.id
    db.session.flush()
    return project


def get_project(project_id: int) -> SinkProject:
    """One project. Raises ProjectNotFound."""
    project = db.session.get(SinkProject, project_id)
    if project is None:
        raise ProjectNotFound()
    return project


def list_projects(limit: int, cursor: str | None) -> tuple[list[SinkProject], str | None]:
    """Projects, newest first. Raises InvalidCursor."""
    return paginate_desc(select(SinkProject), SinkProject.id, limit, cursor)


def add_trees(project_id: int, trees: list[dict]) -> list[Tree]:
    """Register trees (code, species, planted_year; location, latitude/longitude, photo
    URL, spare). Raises ProjectNotFound, Unprocessable (`invalid_code`,
    `not_a_tree_project`), Conflict (`tree_exists`)."""
    project = get_project(project_id)
    if project.methodology.basis != BASIS_TREE:
        raise Unprocessable("该项目按面积计量，请登记地块", reason="not_a_tree_project")
    codes = [_code(t["code"], "树木") for t in trees]
    if len(set(codes)) != len(codes) or db.session.scalar(
        select(Tree.id).where(Tree.code.in_(codes))
    ):
        raise Conflict("树木编号已存在", reason="tree_exists")
    made = [
        Tree(
            project_id=project.id,
            code=code,
            species=t["species"].strip(),
            location=t.get("location", ""),
            latitude_e6=t.get("latitude_e6"),
            longitude_e6=t.get("longitude_e6"),
            photo_url=t.get("photo_url", ""),
            planted_year=t["planted_year"],
            spare=t.get("spare", False),
        )
        for code, t in zip(codes, trees, strict=True)
    ]
    db.session.add_all(made)
    db.session.flush()
    return made


def add_plot(project_id: int, code: str, area_m2: int, location: str = "") -> Plot:
    """Register a plot measured per hectare. Raises ProjectNotFound, Unprocessable
    (`invalid_code`, `not_an_area_project`), Conflict (`plot_exists`)."""
    project = get_project(project_id)
    if project.methodology.basis != BASIS_HECTARE:
        raise Unprocessable("该项目按株计量，请登记树木", reason="not_an_area_project")
    code = _code(code, "地块")
    if db.session.scalar(select(Plot.id).where(Plot.code == code)):
        raise Conflict("地块编号已存在", reason="plot_exists")
    plot = Plot(project_id=project.id, code=code, area_m2=area_m2, location=location)
    db.session.add(plot)
    db.session.flush()
    return plot


def get_tree(tree_id: int) -> Tree:
    """One tree. Raises TreeNotFound."""
    tree = db.session.get(Tree, tree_id)
    if tree is None:
        raise TreeNotFound()
    return tree


def trees_stmt(project_id: int):
    """SELECT of a project's trees."""
    return select(Tree).where(Tree.project_id == project_id)


def estimate_mg_per_year(project: SinkProject) -> int:
    """Ex-ante: what the project's living trees (or plots) would take up in a year at the
    methodology's rate. Always shown as an estimate (预估), never issued or retired."""
    rate = project.methodology.mg_per_year
    if project.methodology.basis == BASIS_TREE:
        alive = db.session.scalar(
            select(func.count(Tree.id)).where(
                Tree.project_id == project.id, Tree.status == TREE_ALIVE, Tree.spare.is_(False)
            )
        )
        return int(alive or 0) * rate
    area = db.session.scalar(
        select(func.coalesce(func.sum(Plot.area_m2), 0)).where(Plot.project_id == project.id)
    )
    return int(area or 0) * rate // 10_000
