"""Idempotency-Key replay and cursor pagination, on a small app route over the real DB."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import jsonify, request
from sqlalchemy import func, select, text

from app.auth import current_principal, login_required
from app.extensions import db
from app.idempotency import current_idempotency, idempotent
from app.pagination import PageArgsSchema, paginate_desc
from app.users.models import User
from app.users.service import create_console_user
from tests.conftest import make_app
from tests.helpers import bearer


@pytest.fixture(scope="module")
def idem_app(app, app_settings):
    """The test app plus two routes: create an account (idempotent) and page users."""
    application = make_app(app_settings)

    @application.post("/t/accounts")
    @login_required
    @idempotent
    def create_account():
        body = request.get_json()
        if body.get("fail"):
            return jsonify(reason="nope"), 409
        user = create_console_user(body["username"], "pw-12345678", role="operator")
        key, _ = current_idempotency()
        return jsonify(id=user.id, by=current_principal().user_id, key=key), 201

    @application.post("/t/reads-then-writes")
    @login_required
    @idempotent
    def reads_then_writes():
        seen["held while reading"] = _queue_held()
        seen["claims while reading"] = _claims()
        create_console_user(request.get_json()["username"], "pw-12345678", role="operator")
        seen["claims after the write"] = _claims()
        return jsonify(ok=True), 201

    @application.post("/t/reads-only")
    @login_required
    @idempotent
    def reads_only():
        seen["answers"] = seen.get("answers", 0) + 1
        return jsonify(n=seen["answers"]), 200

    @application.get("/t/users")
    def list_users():
        args = PageArgsSchema().load(request.args)
        rows, cursor = paginate_desc(select(User), User.id, args["limit"], args["cursor"])
        return jsonify(ids=[u.id for u in rows], next_cursor=cursor)

    return application


seen: dict = {}


def _queue_held() -> bool:
    from app import sqlite_queue

    return getattr(sqlite_queue._held, "queue", None) is not None


def _claims() -> int:
    return db.session.execute(text("SELECT count(*) FROM idempotency_records")).scalar()


@pytest.fixture
def token(login_resident):
    return login_resident()[0]


def _accounts(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.username.isnot(None))
        )


def test_same_key_and_body_replays_the_first_answer(idem_app, token):
    client = idem_app.test_client()
    headers = {**bearer(token), "Idempotency-Key": "k-1"}
    first = client.post("/t/accounts", json={"username": "u1"}, headers=headers)
    again = client.post("/t/accounts", json={"username": "u1"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _accounts(idem_app) == 1
    assert first.get_json()["key"].endswith(":k-1")  # user-scoped key for the ledger


def test_same_key_other_body_is_422(idem_app, token):
    client = idem_app.test_client()
    headers = {**bearer(token), "Idempotency-Key": "k-2"}
    client.post("/t/accounts", json={"username": "u2"}, headers=headers)

    other = client.post("/t/accounts", json={"username": "u3"}, headers=headers)

    assert other.status_code == 422
    assert other.get_json()["reason"] == "idempotency_key_reused"
    assert _accounts(idem_app) == 1


def test_errors_are_not_stored_so_a_retry_can_succeed(idem_app, token):
    client = idem_app.test_client()
    headers = {**bearer(token), "Idempotency-Key": "k-3"}
    assert client.post("/t/accounts", json={"fail": True}, headers=headers).status_code == 409
    # Same key, different body is allowed after a failure: nothing was recorded.
    assert client.post("/t/accounts", json={"username": "u4"}, headers=headers).status_code == 201


def test_keys_are_per_user_and_length_checked(idem_app, login_resident):
    client = idem_app.test_client()
    alice, bob = login_resident()[0], login_resident()[0]
    for token, name in ((alice, "ua"), (bob, "ub")):
        response = client.post(
            "/t/accounts",
            json={"username": name},
            headers={**bearer(token), "Idempotency-Key": "same"},
        )
        assert response.status_code == 201
    too_long = client.post(
        "/t/accounts",
        json={"username": "x"},
        headers={**bearer(alice), "Idempotency-Key": "k" * 256},
    )
    assert too_long.status_code == 422
    assert too_long.get_json()["reason"] == "invalid_idempotency_key"


def test_concurrent_requests_with_one_key_do_the_work_once(idem_app, token):
    headers = {**bearer(token), "Idempotency-Key": "k-race"}
    barrier = threading.Barrier(20)

    def post(_):
        client = idem_app.test_client()
        barrier.wait()
        return client.post("/t/accounts", json={"username": "racer"}, headers=headers)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))

    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.get_data() for r in responses}) == 1
    assert _accounts(idem_app) == 1


def test_on_sqlite_the_claim_waits_for_the_first_write(idem_app, token):
    """Issue 13: a request's reads stay outside SQLite's writer queue; the key is still
    claimed before the request's first write, in the same transaction."""
    sqlite = idem_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    headers = {**bearer(token), "Idempotency-Key": "k-late"}
    client = idem_app.test_client()
    first = client.post("/t/reads-then-writes", json={"username": "late"}, headers=headers)
    assert first.status_code == 201
    if sqlite:
        assert seen["held while reading"] is False
    assert seen["claims while reading"] == (0 if sqlite else 1)
    assert seen["claims after the write"] == 1
    again = client.post("/t/reads-then-writes", json={"username": "late"}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert _accounts(idem_app) == 1


def test_an_answer_that_wrote_nothing_is_kept_in_one_insert(idem_app, token):
    seen.pop("answers", None)
    headers = {**bearer(token), "Idempotency-Key": "k-read"}
    client = idem_app.test_client()
    first = client.post("/t/reads-only", json={}, headers=headers)
    again = client.post("/t/reads-only", json={}, headers=headers)
    assert first.get_json() == again.get_json() == {"n": 1}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert seen["answers"] == 1


def test_cursor_pagination_walks_every_row_once(idem_app, app):
    with app.app_context():
        for n in range(7):
            create_console_user(f"p{n}", "pw-12345678", role="operator")
        db.session.commit()
    client = idem_app.test_client()
    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/t/users", query_string=query).get_json()
        seen += page["ids"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 7


def test_bad_cursor_is_400(idem_app):
    response = idem_app.test_client().get("/t/users", query_string={"cursor": "garbage!"})
    assert response.status_code == 400
    assert response.get_json()["reason"] == "invalid_cursor"
