"""Issue 13: the hot paths' INSERT ... ON CONFLICT statements are compiled once, not at
every execution (SQLAlchemy 2.0 cannot cache them: app/sql.py execute_built). A check-in
whose day counter, idempotency record, ledger transaction and lot upserts were compiled
again would spend about 0.5 ms on each; its hot reads are compiled once too."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Compiled

from app.extensions import db
from tests.checkins.support import create_site, site_payload
from tests.helpers import bearer


def test_a_second_qr_checkin_compiles_none_of_its_inserts_again(app, client, op_token, resident):
    token, _user, _openid = resident
    with app.app_context():
        engine = db.engine
    compiled: dict[str, list] = {}  # the objects themselves: an id could be reused

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT") and context.compiled is not None:
            table = statement.split()[2]
            compiled.setdefault(table, []).append(context.compiled)

    checkins = []
    for _ in range(3):  # the first makes the resident's accounts; compare the next two
        payload = site_payload(client, op_token, create_site(client, op_token)["id"])
        compiled.clear()
        event.listen(engine, "before_cursor_execute", seen)
        try:
            body = {"scenario": "bus_ride", "evidence": {"type": "qr", "token": payload}}
            headers = {**bearer(token), "Idempotency-Key": f"k-{len(checkins)}"}
            answer = client.post("/api/v1/checkins", json=body, headers=headers)
            assert answer.status_code == 201, answer.get_json()
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        checkins.append(dict(compiled))
    second, third = checkins[1], checkins[2]
    for table in ("idempotency_records", "checkin_day_counters", "ledger_transactions",
                  "ledger_lots"):  # fmt: skip
        assert table in second, table
        assert all(any(c is s for s in second[table]) for c in third[table]), table


HOT_READS = (
    "SELECT idempotency_records.id",
    "SELECT users.frozen_at, users.created_at",
    "SELECT (SELECT count(carbon_records.id)",
)


def test_a_qr_checkin_runs_its_hot_reads_compiled_once(app, client, op_token, resident):
    """The Idempotency-Key's look-up, the freeze with the account's age and the risk
    counts reach the engine as the one Compiled object each (app/sql.py
    execute_prepared), not as a statement built again (construction and cache key, about
    0.15 ms each)."""
    token, _user, _openid = resident
    with app.app_context():
        engine = db.engine
    sent: dict[str, list] = {}

    def seen(conn, clause, multiparams, params, execution_options) -> None:
        text = str(clause.statement if isinstance(clause, Compiled) else clause)
        for read in HOT_READS:
            if " ".join(text.split()).startswith(read):
                sent.setdefault(read, []).append(clause)

    for number in range(3):
        payload = site_payload(client, op_token, create_site(client, op_token)["id"])
        event.listen(engine, "before_execute", seen)
        try:
            body = {"scenario": "bus_ride", "evidence": {"type": "qr", "token": payload}}
            headers = {**bearer(token), "Idempotency-Key": f"r-{number}"}
            answer = client.post("/api/v1/checkins", json=body, headers=headers)
            assert answer.status_code == 201, answer.get_json()
        finally:
            event.remove(engine, "before_execute", seen)
    for read in HOT_READS:
        assert len(sent.get(read, [])) == 3, read
        assert all(isinstance(c, Compiled) and c is sent[read][0] for c in sent[read]), read
