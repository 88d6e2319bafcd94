"""Operator endpoints of carbon sinks: methodologies, projects, trees and plots, yearly
measurements, a tree found dead."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import current_principal, operator_required
from app.pagination import PageArgsSchema, page_schema
from app.registry.settings import shanghai_today
from app.sinks import models as _models  # noqa: F401  (registers the tables)
from app.sinks import service
from app.sinks.schemas import (
    CountSchema,
    MeasurementsCreateSchema,
    MethodologyListSchema,
    PlotCreateSchema,
    PlotSchema,
    SinkProjectCreateSchema,
    SinkProjectSchema,
    TreeArgsSchema,
    TreeListSchema,
    TreesCreateSchema,
)

blp = Blueprint("admin_sinks", __name__, description="碳汇项目 Carbon sinks (operators)")


def _me() -> int:
    return current_principal().user_id


@blp.route("/methodologies", methods=["GET"])
@operator_required
@blp.response(200, MethodologyListSchema)
def methodologies():
    """Sink methodology versions with their cited rates."""
    return {"items": service.list_methodologies()}


@blp.route("/projects", methods=["POST"])
@operator_required
@audited("sinks.project.create", "sink-project:{id}")
@blp.arguments(SinkProjectCreateSchema)
@blp.response(201, SinkProjectSchema)
@blp.alt_response(404, description="holder_not_found, sink_methodology_not_found")
@blp.alt_response(409, description="sink_project_exists")
@blp.alt_response(422, description="invalid_code, invalid_sink_kind")
def create_project(body: dict):
    """A forest, grassland or wetland project of a holder, with its registry programme."""
    project = service.create_project(
        code=body["code"],
        name=body["name"],
        kind=body["kind"],
        owner_holder_id=body["owner_holder_id"],
        methodology_code=body["methodology"],
        methodology_version=body["methodology_version"],
        region=body["region"],
        description=body["description"],
        adoption_points=body["adoption_points"],
        created_by=_me(),
    )
    return service.with_estimates([project])[0]


@blp.route("/projects", methods=["GET"])
@operator_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(SinkProjectSchema))
def list_projects(args: dict):
    """Projects, newest first, each with its estimated (ex-ante) yearly sequestration."""
    items, next_cursor = service.list_projects(args["limit"], args["cursor"])
    return {"items": service.with_estimates(items), "next_cursor": next_cursor}


@blp.route("/projects/<int:project_id>/trees", methods=["GET"])
@operator_required
@blp.arguments(TreeArgsSchema, location="query")
@blp.response(200, TreeListSchema)
@blp.alt_response(404, description="sink_project_not_found")
def list_trees(args: dict, project_id: int):
    """Every tree of a project, spares and dead ones included, with whether each is
    adopted for a year (this year by default)."""
    year = args["year"] or shanghai_today().year
    return {"items": service.trees_for_adoption(project_id, year, spares=True)}


@blp.route("/projects/<int:project_id>/trees", methods=["POST"])
@operator_required
@audited("sinks.trees.add", "sink-project:{project_id}")
@blp.arguments(TreesCreateSchema)
@blp.response(201, TreeListSchema)
@blp.alt_response(404, description="sink_project_not_found")
@blp.alt_response(409, description="tree_exists")
@blp.alt_response(422, description="invalid_code, not_a_tree_project")
def add_trees(body: dict, project_id: int):
    """Register trees (up to 500 at a time); `spare` ones are the project's buffer."""
    return {"items": service.add_trees(project_id, body["trees"])}


@blp.route("/projects/<int:project_id>/plots", methods=["POST"])
@operator_required
@audited("sinks.plot.add", "sink-project:{project_id}")
@blp.arguments(PlotCreateSchema)
@blp.response(201, PlotSchema)
@blp.alt_response(404, description="sink_project_not_found")
@blp.alt_response(409, description="plot_exists")
@blp.alt_response(422, description="invalid_code, not_an_area_project")
def add_plot(body: dict, project_id: int):
    """Register a plot (area in m²) of a per-hectare project."""
    return service.add_plot(project_id, body["code"], body["area_m2"], body["location"])


@blp.route("/projects/<int:project_id>/measurements", methods=["POST"])
@operator_required
@audited("sinks.measurements.record", "sink-project:{project_id}")
@blp.arguments(MeasurementsCreateSchema)
@blp.response(201, CountSchema)
@blp.alt_response(404, description="sink_project_not_found")
@blp.alt_response(422, description="year_not_over, unknown_subject")
def record_measurements(body: dict, project_id: int):
    """Record a finished year's measurements (ex-post) of every living tree or plot;
    they become units only through a verified registry batch of the project."""
    added = service.record_measurements(project_id, body["year"], _me(), body["measured_kg"])
    return {"added": added}


@blp.route("/trees/<int:tree_id>/dead", methods=["POST"])
@operator_required
@audited("sinks.tree.dead", "tree:{tree_id}")
@blp.response(200, TreeListSchema)
@blp.alt_response(404, description="tree_not_found")
@blp.alt_response(409, description="tree_dead")
def mark_dead(tree_id: int):
    """A tree found dead: its adoptions move to spare trees and the residents are told
    (answers the replacement trees)."""
    moved = service.mark_tree_dead(tree_id, _me())
    return {"items": [service.get_tree(a.tree_id) for a in moved]}
