"""Operator endpoints: scenario settings and methodology versions; a resident's account."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.audit.views import audited
from app.auth import operator_required
from app.carbon import account, scenarios
from app.carbon.schemas import (
    AccountSchema,
    ScenarioListSchema,
    ScenarioSchema,
    ScenarioUpdateSchema,
    VersionCreateSchema,
    VersionListSchema,
    VersionSchema,
)

blp = Blueprint("admin_carbon", __name__, description="场景与方法学 Scenarios (operators)")


@blp.route("/scenarios", methods=["GET"])
@operator_required
@blp.response(200, ScenarioListSchema)
def list_scenarios():
    """Every scenario, active or not, with the version in force."""
    return {"items": scenarios.list_scenarios()}


@blp.route("/scenarios/<string:code>", methods=["PATCH"])
@operator_required
@audited("scenarios.update", "scenario:{code}")
@blp.arguments(ScenarioUpdateSchema)
@blp.response(200, ScenarioSchema)
@blp.alt_response(404, description="scenario_not_found")
@blp.alt_response(422, description="invalid_rule")
def update_scenario(body: dict, code: str):
    """Change the daily cap, accepted evidence or active flag of a scenario."""
    return scenarios.update_scenario(code, **body)


@blp.route("/scenarios/<string:code>/versions", methods=["GET"])
@operator_required
@blp.response(200, VersionListSchema)
@blp.alt_response(404, description="scenario_not_found")
def list_versions(code: str):
    """All methodology versions of a scenario, oldest first."""
    return {"items": scenarios.list_versions(code)}


@blp.route("/scenarios/<string:code>/versions", methods=["POST"])
@operator_required
@audited("scenarios.add_version", "scenario:{code}")
@blp.arguments(VersionCreateSchema)
@blp.response(201, VersionSchema)
@blp.alt_response(404, description="scenario_not_found")
@blp.alt_response(409, description="version_conflict")
@blp.alt_response(422, description="invalid_rule")
def add_version(body: dict, code: str):
    """Publish a new factor / points rule (valid from now or `valid_from`, with a source)."""
    return scenarios.add_methodology_version(code, **body)


@blp.route("/users/<int:user_id>/account", methods=["GET"])
@operator_required
@blp.response(200, AccountSchema)
@blp.alt_response(404, description="user_not_found")
def resident_account(user_id: int):
    """A resident's carbon account as they see it in 我的 (balance, carbon, counts)."""
    return account.get_resident_account(user_id)
