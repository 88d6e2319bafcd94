"""Registry test set-up: residents with approved records in a past period, operators,
a verifier and holders with console logins, all through the real services and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.carbon import service as carbon
from app.carbon.rules import shanghai_day
from app.db import utcnow
from app.extensions import db
from tests.helpers import bearer
from tests.mall.factories import new_user

ADMIN = "/api/v1/admin/registry"
PASSWORD = "registry-password-1"


def last_month() -> tuple[date, date]:
    """The closed monitoring period used by the tests: the previous calendar month."""
    first_this = shanghai_day(utcnow()).replace(day=1)
    end = first_this - timedelta(days=1)
    return end.replace(day=1), end


def add_records(
    app, user_id: int, count: int, scenario: str = "bus_ride", day: date | None = None
) -> list[int]:
    """`count` approved records of one unit each on `day` (default: last month's 10th)."""
    day = day or last_month()[0] + timedelta(days=9)
    at = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)
    ids = []
    with app.app_context():
        found = carbon.get_scenario(scenario)
        for i in range(count):
            record = carbon.create_record(
                user_id, found, 1000, evidence_type="qr", evidence_ref=f"site:{i}", occurred_at=at
            )
            carbon.approve_record(record.id, reward=carbon.Reward("test_reward", f"t:{record.id}"))
            ids.append(record.id)
        db.session.commit()
        db.session.remove()
    return ids


def consent(client, token: str, granted: bool = True) -> dict:
    response = client.put(
        "/api/v1/me/registry-consent", json={"granted": granted}, headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def console_login(client, username: str) -> str:
    response = client.post(
        "/api/v1/auth/operator-login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


@dataclass
class World:
    op1: str
    op2: str
    verifier: str
    verifier_id: int
    platform: str  # a login of the platform's own holder
    platform_id: int
    programme_id: int

    def post(self, client, path: str, body: dict, token: str | None = None, **headers):
        return client.post(path, json=body, headers={**bearer(token or self.op1), **headers})


def world(app, client, make_operator) -> World:
    """Two operators, a verifier with a login, the platform holder with a login, and a
    programme for bus_ride v1."""
    op1, _ = make_operator("op-one")
    op2, _ = make_operator("op-two")
    verifier = client.post(
        f"{ADMIN}/verifiers",
        json={"name": "中环联合认证", "accreditation": "CNAS"},
        headers=bearer(op1),
    ).get_json()
    login = client.post(
        f"{ADMIN}/verifiers/{verifier['id']}/logins",
        json={"username": "auditor", "password": PASSWORD},
        headers=bearer(op1),
    )
    assert login.status_code == 201, login.get_json()
    holders = client.get(f"{ADMIN}/holders", headers=bearer(op1)).get_json()["items"]
    platform = next(h for h in holders if h["kind"] == "platform")
    login = client.post(
        f"{ADMIN}/holders/{platform['id']}/logins",
        json={"username": "platform-desk", "password": PASSWORD},
        headers=bearer(op1),
    )
    assert login.status_code == 201, login.get_json()
    programme = client.post(
        f"{ADMIN}/programmes",
        json={"scenario": "bus_ride", "methodology_version": 1},
        headers=bearer(op1),
    )
    assert programme.status_code == 201, programme.get_json()
    return World(
        op1,
        op2,
        console_login(client, "auditor"),
        verifier["id"],
        console_login(client, "platform-desk"),
        platform["id"],
        programme.get_json()["id"],
    )


def new_holder(client, w: World, code: str, name: str, kind: str = "enterprise") -> tuple[int, str]:
    holder = client.post(
        f"{ADMIN}/holders", json={"code": code, "name": name, "kind": kind}, headers=bearer(w.op1)
    )
    assert holder.status_code == 201, holder.get_json()
    username = f"{code.lower()}-desk"
    login = client.post(
        f"{ADMIN}/holders/{holder.get_json()['id']}/logins",
        json={"username": username, "password": PASSWORD},
        headers=bearer(w.op1),
    )
    assert login.status_code == 201, login.get_json()
    return holder.get_json()["id"], console_login(client, username)


def issued_batch(
    app,
    client,
    w: World,
    residents: int = 1,
    records_each: int = 130,
    scenario: str = "bus_ride",
    programme_id: int | None = None,
) -> dict:
    """Residents who consented with `records_each` one-unit records of `scenario` (bus
    rides, 80 g, by default) last month, assembled in the programme (the world's bus_ride
    one by default), verified and issued by the second operator; returns the batch."""
    for _ in range(residents):
        user_id, token = new_user(app)
        consent(client, token)
        add_records(app, user_id, records_each, scenario=scenario)
    return verify_and_issue(client, w, programme_id or w.programme_id, *last_month())


def verify_and_issue(client, w: World, programme_id: int, start, end) -> dict:
    """Assemble a programme's period, then submit, verify and issue it as the world's
    operators and verifier do."""
    period = {
        "programme_id": programme_id,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
    batch = w.post(client, f"{ADMIN}/batches", period)
    assert batch.status_code == 201, batch.get_json()
    batch_id = batch.get_json()["id"]
    submitted = w.post(client, f"{ADMIN}/batches/{batch_id}/submit", {"verifier_id": w.verifier_id})
    assert submitted.status_code == 200, submitted.get_json()
    link = {"url": "https://example.org/report.pdf", "sha256": "ab" * 32}
    reported = w.post(client, f"/api/v1/verifier/batches/{batch_id}/report-link", link, w.verifier)
    assert reported.status_code == 200, reported.get_json()
    verified = w.post(
        client, f"/api/v1/verifier/batches/{batch_id}/verify", {"note": "ok"}, w.verifier
    )
    assert verified.status_code == 200, verified.get_json()
    issued = w.post(client, f"{ADMIN}/batches/{batch_id}/issue", {}, w.op2)
    assert issued.status_code == 200, issued.get_json()
    return issued.get_json()


def programme_for(client, w: World, scenario: str) -> int:
    response = w.post(
        client, f"{ADMIN}/programmes", {"scenario": scenario, "methodology_version": 1}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def registry_verify(app) -> None:
    result = app.test_cli_runner().invoke(args=["registry", "verify"])
    assert result.exit_code == 0, result.output
