"""Resident endpoints of the carbon account: scenarios, account, history, leaderboard,
consents. (The data export and account deletion are the users domain's,
app/users/profile_api.py.)"""

from __future__ import annotations

from flask_smorest import Blueprint

from app.auth import current_principal, resident_required
from app.cache import USER_GENERATION
from app.carbon import account, leaderboard, scenarios, service
from app.carbon import models as _models  # noqa: F401  (registers the tables)
from app.carbon.schemas import (
    AccountSchema,
    ConsentListSchema,
    ConsentSchema,
    ConsentUpdateSchema,
    LeaderboardArgsSchema,
    LeaderboardSchema,
    RecordArgsSchema,
    RecordSchema,
    ScenarioListSchema,
)
from app.pagination import Page, page_schema
from app.view_cache import cached_answer

blp = Blueprint("carbon", __name__, description="碳账户 Carbon account")


@blp.route("/scenarios", methods=["GET"])
@blp.response(200, ScenarioListSchema)
def list_scenarios():
    """Scenarios with their factor, points rule, evidence types, daily cap and version."""
    return {"items": scenarios.list_scenarios()}


@blp.route("/me/account", methods=["GET"])
@resident_required
@cached_answer(USER_GENERATION, account.ACCOUNT_TTL_SECONDS, per_user=True)
@blp.response(200, AccountSchema)
def my_account():
    """My carbon account: points balance, approved carbon, counts, per-scenario totals.

    Cached: every committed change to my points or records shows on the next read."""
    return account.get_account(current_principal().user_id)


@blp.route("/me/carbon-records", methods=["GET"])
@resident_required
@blp.arguments(RecordArgsSchema, location="query")
@blp.response(200, page_schema(RecordSchema))
def my_records(args: dict):
    """My carbon records, newest first (`?status=pending|approved|rejected`)."""
    return Page(
        *account.list_records(
            current_principal().user_id, args["limit"], args["cursor"], args["status"]
        )
    )


@blp.route("/leaderboard", methods=["GET"])
@resident_required
@blp.arguments(LeaderboardArgsSchema, location="query")
@blp.response(200, LeaderboardSchema)
@blp.alt_response(503, description="leaderboard_unavailable")
def get_leaderboard(args: dict):
    """Top residents by approved carbon this week / month / all time, and my place."""
    return leaderboard.get_leaderboard(args["period"], current_principal().user_id, args["limit"])


@blp.route("/me/consents", methods=["GET"])
@resident_required
@blp.response(200, ConsentListSchema)
def my_consents():
    """My consent for each scenario (partners' data is credited only with consent)."""
    return {"items": service.list_consents(current_principal().user_id)}


@blp.route("/me/consents/<string:scenario>", methods=["PUT"])
@resident_required
@blp.arguments(ConsentUpdateSchema)
@blp.response(200, ConsentSchema)
@blp.alt_response(404, description="scenario_not_found")
def put_consent(body: dict, scenario: str):
    """Grant or withdraw consent for one scenario."""
    version = service.current_consent_version()
    return service.set_consent(current_principal().user_id, scenario, body["granted"], version)
