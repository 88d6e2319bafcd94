"""The carbon account: leaderboard (Redis, rebuildable), consents, history, export, delete."""

from __future__ import annotations

import redis

from tests.checkins.support import account, create_site, photo, qr_checkin, site_payload, upload
from tests.helpers import bearer


def _ride(client, op_token, token, n: int = 1) -> None:
    """`n` bus rides at `n` new sites (each approved at once: 80 g, 10 points)."""
    for _ in range(n):
        payload = site_payload(client, op_token, create_site(client, op_token)["id"])
        assert qr_checkin(client, token, payload).status_code == 201


def test_leaderboard_ranks_by_carbon_and_shows_me(client, op_token, login_resident, seeded):
    alice, bob, carol = (login_resident() for _ in range(3))
    _ride(client, op_token, alice[0], 3)
    _ride(client, op_token, bob[0], 1)
    for period in ("week", "month", "all"):
        board = client.get(f"/api/v1/leaderboard?period={period}", headers=bearer(bob[0]))
        assert board.status_code == 200
        body = board.get_json()
        assert [(i["rank"], i["nickname"], i["carbon_g"]) for i in body["items"]] == [
            (1, alice[1]["nickname"], 240.0), (2, bob[1]["nickname"], 80.0),
        ]  # fmt: skip
        assert body["me"] == {"rank": 2, "carbon_g": 80.0}
    mine = client.get("/api/v1/leaderboard", headers=bearer(carol[0])).get_json()["me"]
    assert mine == {"rank": None, "carbon_g": 0.0}
    bad = client.get("/api/v1/leaderboard?period=year", headers=bearer(bob[0]))
    assert bad.status_code == 422


def test_leaderboard_is_rebuilt_from_the_database(app, app_settings, client, op_token, resident):
    token, _user, _openid = resident
    _ride(client, op_token, token, 2)
    before = client.get("/api/v1/leaderboard?period=all", headers=bearer(token)).get_json()
    redis.Redis.from_url(app_settings["REDIS_URL"]).flushdb()  # Redis lost everything
    assert client.get("/api/v1/leaderboard", headers=bearer(token)).get_json()["items"] == []

    result = app.test_cli_runner().invoke(args=["carbon", "rebuild-leaderboard"])
    assert result.exit_code == 0, result.output
    assert "3 boards" in result.output
    after = client.get("/api/v1/leaderboard?period=all", headers=bearer(token)).get_json()
    assert after == before
    assert after["me"] == {"rank": 1, "carbon_g": 160.0}


def test_pending_checkins_are_not_on_the_board(client, resident):
    token, _user, _openid = resident
    upload_id = upload(client, token, photo(1)).get_json()["upload_id"]
    body = {"scenario": "clean_plate", "evidence": {"type": "photo", "upload_id": upload_id}}
    assert client.post("/api/v1/checkins", json=body, headers=bearer(token)).status_code == 201
    assert client.get("/api/v1/leaderboard", headers=bearer(token)).get_json()["items"] == []


def test_consents_have_version_and_time(client, resident):
    token, _user, _openid = resident
    listed = client.get("/api/v1/me/consents", headers=bearer(token)).get_json()["items"]
    bus = next(c for c in listed if c["scenario"] == "bus_ride")
    assert (bus["granted"], bus["version"], bus["updated_at"]) == (False, None, None)
    assert all(c["scenario"] != "tree_adoption" for c in listed)

    given = client.put("/api/v1/me/consents/bus_ride", json={"granted": True},
                       headers=bearer(token)).get_json()  # fmt: skip
    assert given["granted"] is True and given["version"] and given["updated_at"]
    listed = client.get("/api/v1/me/consents", headers=bearer(token)).get_json()["items"]
    assert next(c for c in listed if c["scenario"] == "bus_ride")["granted"] is True

    missing = client.put("/api/v1/me/consents/nope", json={"granted": True}, headers=bearer(token))
    assert (missing.status_code, missing.get_json()["reason"]) == (404, "scenario_not_found")
    invalid = client.put("/api/v1/me/consents/bus_ride", json={"granted": "maybe"},
                         headers=bearer(token))  # fmt: skip
    assert invalid.status_code == 422


def test_history_pages_newest_first(client, op_token, resident):
    token, _user, _openid = resident
    _ride(client, op_token, token, 3)
    first = client.get("/api/v1/me/carbon-records?limit=2", headers=bearer(token)).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(f"/api/v1/me/carbon-records?limit=2&cursor={first['next_cursor']}",
                      headers=bearer(token)).get_json()  # fmt: skip
    ids = [r["id"] for r in first["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3
    assert rest["next_cursor"] is None


def test_export_contains_my_data(client, op_token, resident):
    token, user, _openid = resident
    _ride(client, op_token, token)
    client.put("/api/v1/me/consents/bus_ride", json={"granted": True}, headers=bearer(token))
    upload(client, token, photo(5))
    data = client.get("/api/v1/me/export", headers=bearer(token)).get_json()
    assert data["user"]["id"] == user["id"]
    assert data["points_balance"] == 10
    assert [r["scenario"] for r in data["carbon_records"]] == ["bus_ride"]
    assert data["consents"][0]["scenario"] == "bus_ride"
    assert len(data["uploads"]) == 1 and data["werun_days"] == []


def test_delete_me_anonymises_and_keeps_the_ledger(app, client, op_token, login_resident,
                                                    seeded):  # fmt: skip
    token, user, openid = login_resident()
    other = login_resident()[0]
    _ride(client, op_token, token, 2)
    _ride(client, op_token, other, 1)
    upload_id = upload(client, token, photo(7)).get_json()["upload_id"]

    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 204

    assert client.get("/api/v1/me/account", headers=bearer(token)).status_code == 401
    board = client.get("/api/v1/leaderboard?period=all", headers=bearer(other)).get_json()
    assert [i["carbon_g"] for i in board["items"]] == [80.0]
    photo_file = client.get(f"/api/v1/admin/uploads/{upload_id}", headers=bearer(op_token))
    assert photo_file.status_code == 404
    with app.app_context():
        from app.extensions import db
        from app.ledger import service as ledger
        from app.users.models import User

        gone = db.session.get(User, user["id"])
        assert (gone.openid, gone.nickname, gone.wx_session_key_enc) == (None, "已注销用户", None)
        assert gone.deleted_at is not None
        assert ledger.get_points_balance(user["id"]) == 20  # the books still balance
    assert app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0

    # The same WeChat account logging in again starts afresh.
    token_again, user_again, _ = login_resident(openid)
    assert user_again["id"] != user["id"]
    assert account(client, token_again)["points_balance"] == 0
