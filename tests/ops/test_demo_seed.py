"""`flask seed --demo` looks alive on first open: two operators, a few hundred residents
with 60 days of history, reviews waiting, redemptions, a live campaign; all of it written
through the services, so `flask ledger verify` and `flask registry verify` pass; the same
story on every run (seeded); a second run writes nothing and says so."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import text

from app.db import utcnow
from app.extensions import db


def _cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def _scalar(app, sql: str, **params):
    with app.app_context():
        value = db.session.execute(text(sql), params).scalar()
        db.session.remove()
    return value


def _counts(app) -> dict[str, int]:
    queries = {
        "operators": "SELECT count(*) FROM user_roles WHERE role = 'operator'",
        "residents": "SELECT count(*) FROM users WHERE openid LIKE 'demo-history-%'",
        "records": "SELECT count(*) FROM carbon_records",
        "pending": "SELECT count(*) FROM carbon_records WHERE status = 'pending'",
        "redemptions": "SELECT count(*) FROM coupons",
        "used": "SELECT count(*) FROM coupons WHERE status = 'used'",
        "postings": "SELECT count(*) FROM ledger_transactions",
    }
    return {name: _scalar(app, sql) for name, sql in queries.items()}


def test_the_demo_is_alive_and_its_books_verify(app):
    started = time.perf_counter()
    output = _cli(app, "seed", "--demo")
    elapsed = time.perf_counter() - started
    assert "demo history: " in output, output

    counts = _counts(app)
    assert counts["operators"] >= 2
    assert counts["residents"] >= 200
    assert counts["pending"] > 0, "the review queue has something to review"
    assert counts["redemptions"] > 0 and counts["used"] > 0
    now = utcnow()
    live = _scalar(app, "SELECT count(*) FROM campaigns WHERE status = 'active' "
                   "AND starts_at <= :now AND ends_at > :now", now=now)  # fmt: skip
    assert live >= 1, "a campaign is live"
    # 60 days of history: check-ins on (nearly) every day of the window, none later.
    with app.app_context():
        days = {
            row[0].date() if hasattr(row[0], "date") else str(row[0])[:10]
            for row in db.session.execute(text("SELECT occurred_at FROM carbon_records"))
        }
        db.session.remove()
    window = {str((now - timedelta(days=k)).date()) for k in range(60)}
    assert len(window & {str(day) for day in days}) >= 55, sorted(days)
    oldest = _scalar(app, "SELECT min(created_at) FROM ledger_transactions")
    assert str(oldest)[:10] <= str((now - timedelta(days=55)).date())

    assert "ledger ok" in _cli(app, "ledger", "verify")
    assert "ok" in _cli(app, "registry", "verify")
    print(f"flask seed --demo: {elapsed:.1f} s, {counts}")

    again = _cli(app, "seed", "--demo")
    assert "demo history: already there" in again, again
    assert _counts(app) == counts, "a second run writes nothing"
