"""`GET /api/v1/admin/stats` (the dashboard) and its tables as JSON or CSV."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.auth import operator_required
from app.csvout import csv_response, to_csv, wants_csv
from app.stats import service
from app.stats.schemas import StatsArgsSchema, StatsSchema, StatsTableArgsSchema, StatsTableSchema

blp = Blueprint("admin_stats", __name__, description="运营统计 Dashboard statistics (operators)")


@blp.route("", methods=["GET"])
@operator_required
@blp.arguments(StatsArgsSchema, location="query")
@blp.response(200, StatsSchema)
def get_stats(args: dict):
    """Totals (users, check-ins, carbon_g, points issued / redeemed / expired / outstanding)
    and the daily series behind the dashboard's charts (`?days=30`)."""
    return service.get_stats(args["days"], args["until"])


@blp.route("/tables/<string:table>", methods=["GET"])
@operator_required
@blp.arguments(StatsTableArgsSchema, location="query")
@blp.response(200, StatsTableSchema, description="rows; CSV with ?format=csv or Accept: text/csv")
@blp.alt_response(400, description="unknown_stats_table")
def get_table(args: dict, table: str):
    """A dashboard table as rows: `daily`, `scenarios`, `merchants`, `campaigns`."""
    rows = service.stats_table(table, args["days"], args["until"])
    if wants_csv(args, request.headers.get("Accept", "")):
        return csv_response(to_csv(rows), f"stats-{table}-{args['days']}d.csv")
    return {"table": table, "items": rows}
