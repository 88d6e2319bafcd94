"""Issue 13, step 1: a QR check-in reads before it writes, so on SQLite every read stays
outside the writer queue (taken at the first write) and on PostgreSQL no row lock is
held while it reads: its methodology version, the live campaigns and the ledger accounts
it will post to. The paid answer is the same: base points plus a live campaign."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.campaigns import service as campaigns
from app.db import utcnow
from app.extensions import db
from tests.checkins.support import account, create_site, qr_checkin, site_payload

WRITES = ("INSERT", "UPDATE", "DELETE")
READS = (" FROM CARBON_METHODOLOGY_VERSIONS", " FROM CAMPAIGNS", " FROM LEDGER_ACCOUNTS")


def test_a_qr_checkin_reads_its_version_campaigns_and_accounts_before_its_first_write(
    app, client, op_token, resident
):
    token, _user, _openid = resident
    earlier = site_payload(client, op_token, create_site(client, op_token)["id"])
    assert qr_checkin(client, token, earlier).status_code == 201  # the accounts exist now
    payload = site_payload(client, op_token, create_site(client, op_token)["id"])
    with app.app_context():
        now = utcnow()
        campaigns.create_campaign(
            name="绿色出行周",
            scenarios=["bus_ride"],
            budget_points=1000,
            bonus_points=5,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=7),
        )
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()).upper())

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = qr_checkin(client, token, payload)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["points"] == 10 + 5  # base and the campaign's bonus
    assert account(client, token)["points_balance"] == 10 + 15
    first_write = next(n for n, s in enumerate(statements) if s.startswith(WRITES))
    reads_after = [
        s for s in statements[first_write:] if s.startswith("SELECT") and any(r in s for r in READS)
    ]
    assert reads_after == []
    # The version may come from this process's copies (app/reference_cache.py), unread;
    # the campaigns and the accounts are read, before the first write.
    for read in READS[1:]:
        assert any(read in s for s in statements[:first_write]), read
