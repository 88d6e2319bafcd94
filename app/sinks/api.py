"""Residents and the public: sink projects (with estimates, always labelled so), trees to
adopt, adopting one for a year with points, my adoptions and their certificates."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.clock import shanghai_today
from app.idempotency import current_idempotency, idempotent
from app.pagination import Page, PageArgsSchema, page_schema
from app.sinks import service
from app.sinks.schemas import (
    AdoptionListSchema,
    AdoptionSchema,
    AdoptSchema,
    SinkProjectSchema,
    TreeArgsSchema,
    TreeListSchema,
)

blp = Blueprint("sinks", __name__, description="认领树苗 Carbon sinks and tree adoption")


@blp.route("/sinks/projects", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(SinkProjectSchema))
def projects(args: dict):
    """Sink projects (no login), each with its estimated (预估, ex-ante) yearly uptake."""
    items, next_cursor = service.list_projects(args["limit"], args["cursor"])
    return Page(service.with_estimates(items), next_cursor)


@blp.route("/sinks/projects/<int:project_id>", methods=["GET"])
@blp.response(200, SinkProjectSchema)
@blp.alt_response(404, description="sink_project_not_found")
def project(project_id: int):
    """One sink project with its estimated (预估) yearly uptake."""
    return service.with_estimates([service.get_project(project_id)])[0]


@blp.route("/sinks/projects/<int:project_id>/trees", methods=["GET"])
@blp.arguments(TreeArgsSchema, location="query")
@blp.response(200, TreeListSchema)
@blp.alt_response(404, description="sink_project_not_found")
def trees(args: dict, project_id: int):
    """A project's trees and whether each is adopted for a year (this year by default)."""
    year = args["year"] or shanghai_today().year
    return {"items": service.trees_for_adoption(project_id, year)}


@blp.route("/sinks/trees/<int:tree_id>/adopt", methods=["POST"])
@resident_required
@idempotent
@blp.arguments(AdoptSchema)
@blp.response(201, AdoptionSchema)
@blp.alt_response(404, description="tree_not_found")
@blp.alt_response(409, description="tree_already_adopted, tree_not_adoptable, insufficient_points")
@blp.alt_response(422, description="invalid_year")
@blp.alt_response(403, description="account_frozen: an operator froze the account")
def adopt(body: dict, tree_id: int):
    """Adopt a tree for a year with points (the owner is paid through the ledger). After
    the year's monitoring is verified, its sequestration appears in my carbon account."""
    key, request_hash = current_idempotency()
    user_id = current_principal().user_id
    adoption = service.adopt_tree(
        user_id, tree_id, body["year"], idempotency_key=key, request_hash=request_hash
    )
    return service.adoption_view(user_id, adoption.id)


@blp.route("/me/adoptions", methods=["GET"])
@resident_required
@blp.response(200, AdoptionListSchema)
def my_adoptions():
    """My adopted trees, each with its verified sequestration once monitored (certificate)."""
    return {"items": service.adoptions_view(current_principal().user_id)}


@blp.route("/me/adoptions/<int:adoption_id>", methods=["GET"])
@resident_required
@blp.response(200, AdoptionSchema)
@blp.alt_response(404, description="adoption_not_found (also someone else's)")
def my_adoption(adoption_id: int):
    """One of my adoptions: its certificate once the year is verified."""
    return service.adoption_view(current_principal().user_id, adoption_id)
