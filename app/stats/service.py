"""Dashboard statistics for operators: totals and the time series behind the charts.

`get_stats` answers `GET /api/v1/admin/stats`; `stats_table` turns the same figures into
the flat tables the console exports as CSV. Everything is computed from the database at
request time (a handful of GROUP BYs), so a figure is never staler than the last commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from app.clock import day_start_utc, shanghai_day
from app.db import utcnow
from app.errors import BadRequest
from app.stats import queries
from app.stats.days import day_list
from app.units import mg_to_g

DEFAULT_DAYS = 30
MAX_DAYS = 366
TABLES = ("daily", "scenarios", "merchants", "campaigns")


class UnknownStatsTable(BadRequest):
    reason, message = "unknown_stats_table", "没有这张统计表"


def _window(days: int, until: date | None) -> tuple[date, date, datetime, datetime]:
    last = until or shanghai_day(utcnow())
    first = last - timedelta(days=days - 1)
    return first, last, day_start_utc(first), day_start_utc(last + timedelta(days=1))


def get_stats(days: int = DEFAULT_DAYS, until: date | None = None) -> dict:
    """Totals now, and daily series over the `days` Asia/Shanghai days ending `until`
    (default today). Raises nothing: an empty scheme gives zeros."""
    first, last, start, end = _window(days, until)
    dates = day_list(first, last)
    records = queries.record_totals()
    flows = queries.system_balances()
    outstanding = queries.outstanding_points()
    totals = {
        "users": queries.count_residents(),
        "checkins": records["approved"]["count"],
        "checkins_pending": records["pending"]["count"],
        "checkins_rejected": records["rejected"]["count"],
        "carbon_g": mg_to_g(records["approved"]["carbon_mg"]),
        "points_issued": flows["issued"],
        "points_redeemed": flows["redeemed"],
        "points_expired": flows["expired"],
        "points_adjusted": flows["adjusted"],
        "points_outstanding": outstanding,
        **queries.merchant_counts(),
    }
    return {
        **totals,
        "generated_at": datetime.now(UTC),
        "range": {"from": first, "to": last, "days": days},
        "dates": dates,
        "residents": _residents_series(dates, first, last, start, end),
        "scenarios": _scenario_series(dates, first, last),
        "points": _points_series(dates, start, end),
        "coupons_by_merchant": queries.coupons_by_merchant(start, end),
        "campaigns": _campaign_series(dates, start, end),
    }


def _residents_series(
    dates: list[date], first: date, last: date, start: datetime, end: datetime
) -> dict:
    data = queries.residents_by_day(first, last, start, end)
    new = [data["new"].get(d, 0) for d in dates]
    return {
        "new": new,
        "total": list(accumulate(new, initial=data["before"]))[1:],
        "active": [data["active"].get(d, 0) for d in dates],
    }


def _scenario_series(dates: list[date], first: date, last: date) -> list[dict]:
    scenarios, cells = queries.checkins_by_day(first, last)
    series = []
    for scenario in scenarios:
        counts = [cells.get((scenario["code"], d), (0, 0))[0] for d in dates]
        carbon = [mg_to_g(cells.get((scenario["code"], d), (0, 0))[1]) for d in dates]
        series.append(
            {
                **scenario,
                "checkins": counts,
                "carbon_g": carbon,
                "checkins_total": sum(counts),
                "carbon_g_total": round(sum(carbon), 3),
            }
        )
    return series


def _points_series(dates: list[date], start: datetime, end: datetime) -> dict:
    moves, before = queries.points_by_day(start, end)
    series = {
        name: [moves.get(name, {}).get(d, 0) for d in dates]
        for name in ("issued", "redeemed", "expired", "adjusted")
    }
    deltas = [moves.get("resident_delta", {}).get(d, 0) for d in dates]
    series["outstanding"] = list(accumulate(deltas, initial=before))[1:]
    return series


def _campaign_series(dates: list[date], start: datetime, end: datetime) -> list[dict]:
    campaigns = queries.campaigns_in(start, end)
    daily, before = queries.campaign_awards_by_day([c.id for c in campaigns], start, end)
    items = []
    for campaign in campaigns:
        paid = [daily.get(campaign.id, {}).get(d, 0) for d in dates]
        items.append(
            {
                "id": campaign.id,
                "name": campaign.name,
                "status": campaign.status,
                "starts_at": campaign.starts_at,
                "ends_at": campaign.ends_at,
                "budget_points": campaign.budget_points,
                "budget_used": campaign.budget_used,
                "awards_count": campaign.awards_count,
                "burn": list(accumulate(paid, initial=before.get(campaign.id, 0)))[1:],
            }
        )
    return items


def _campaign_row(campaign: dict) -> dict:
    keys = ("id", "name", "status", "budget_points", "budget_used", "awards_count")
    return {key: campaign[key] for key in keys} | {
        "starts_at": campaign["starts_at"].isoformat(),
        "ends_at": campaign["ends_at"].isoformat(),
    }


def stats_table(table: str, days: int = DEFAULT_DAYS, until: date | None = None) -> list[dict]:
    """One dashboard table as flat rows (for CSV; each runs only its own queries): `daily`
    (one row per day),
    `scenarios` (per day and scenario), `merchants`, `campaigns`.

    Raises UnknownStatsTable (400 `unknown_stats_table`).
    """
    if table not in TABLES:
        raise UnknownStatsTable()
    first, last, start, end = _window(days, until)
    dates = day_list(first, last)
    if table == "merchants":
        return queries.coupons_by_merchant(start, end)
    if table == "campaigns":
        return [_campaign_row(c) for c in _campaign_series(dates, start, end)]
    if table == "scenarios":
        series = _scenario_series(dates, first, last)
        return [
            {
                "date": d.isoformat(),
                "scenario": s["code"],
                "name": s["name"],
                "checkins": s["checkins"][i],
                "carbon_g": s["carbon_g"][i],
            }
            for i, d in enumerate(dates)
            for s in series
            if s["checkins"][i]
        ]
    # daily
    res = _residents_series(dates, first, last, start, end)
    scenarios = _scenario_series(dates, first, last)
    pts = _points_series(dates, start, end)
    return [
        {
            "date": d.isoformat(),
            "new_residents": res["new"][i],
            "residents": res["total"][i],
            "daily_actives": res["active"][i],
            "checkins": sum(s["checkins"][i] for s in scenarios),
            "carbon_g": round(sum(s["carbon_g"][i] for s in scenarios), 3),
            **{f"points_{k}": pts[k][i] for k in ("issued", "redeemed", "expired")},
            "points_adjusted": pts["adjusted"][i],
            "points_outstanding": pts["outstanding"][i],
        }
        for i, d in enumerate(dates)
    ]
