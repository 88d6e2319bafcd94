"""Binding a partner account: the partner issues a one-time code for its own user id, the
resident enters it; events name the partner user id; events for an unbound id are held
and paid once when the resident binds within the hold window."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.checkins.models import PartnerBindingCode, PartnerEvent
from app.db import utcnow
from app.extensions import db
from tests.checkins.support import account, signed_headers
from tests.helpers import bearer


@pytest.fixture
def partner(client, op_token):
    """A bike share reporting bus rides too (so that caps are easy): (code, secret)."""
    response = client.post(
        "/api/v1/admin/partners",
        json={"code": "green-bike", "name": "青桔单车", "scenarios": ["bus_ride", "metro_km"]},
        headers=bearer(op_token),
    )
    assert response.status_code == 201, response.get_json()
    return "green-bike", response.get_json()["secret"]


def _signed(client, partner, path: str, payload: dict):
    code, secret = partner
    body = json.dumps(payload).encode()
    return client.post(f"/api/v1/partner/{path}", data=body,
                       headers=signed_headers(code, secret, body))  # fmt: skip


def _code(client, partner, partner_user_id: str = "U-1001") -> str:
    response = _signed(client, partner, "binding-codes", {"partner_user_id": partner_user_id})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["partner_user_id"] == partner_user_id
    return response.get_json()["code"]


def _event(client, partner, event_id: str, partner_user_id: str = "U-1001", **extra):
    payload = {
        "event_id": event_id, "partner_user_id": partner_user_id, "scenario": "bus_ride",
        "quantity": 1, "occurred_at": utcnow().isoformat(), **extra,
    }  # fmt: skip
    return _signed(client, partner, "events", payload)


def _bind(client, token: str, code: str):
    return client.post("/api/v1/me/partner-bindings", json={"code": code}, headers=bearer(token))


def test_bind_then_events_by_partner_user_id_are_credited(client, partner, resident):
    token, _user, _openid = resident
    listed = client.get("/api/v1/partners", headers=bearer(token)).get_json()["items"]
    assert [(p["code"], p["name"]) for p in listed] == [("green-bike", "青桔单车")]

    bound = _bind(client, token, _code(client, partner).lower().replace("-", " "))
    assert bound.status_code == 201, bound.get_json()
    body = bound.get_json()
    assert body["partner"]["code"] == "green-bike" and body["partner_user_id"] == "U-1001"
    assert body["consented"] == ["bus_ride", "metro_km"]
    assert body["paid"] == {"credited": 0, "points": 0, "lapsed": 0}
    consents = client.get("/api/v1/me/consents", headers=bearer(token)).get_json()["items"]
    assert {c["scenario"] for c in consents if c["granted"]} == {"bus_ride", "metro_km"}

    credited = _event(client, partner, "ride-1")
    assert credited.status_code == 201, credited.get_json()
    assert (credited.get_json()["status"], credited.get_json()["points"]) == ("approved", 10)
    assert account(client, token)["points_balance"] == 10
    mine = client.get("/api/v1/me/partner-bindings", headers=bearer(token)).get_json()["items"]
    assert [(b["partner"]["code"], b["partner_user_id"]) for b in mine] == [
        ("green-bike", "U-1001")
    ]


def test_held_events_are_paid_once_when_the_resident_binds(client, partner, resident):
    token, _user, _openid = resident
    held = _event(client, partner, "ride-1")
    assert held.status_code == 202, held.get_json()
    assert held.get_json()["status"] == "held" and held.get_json()["record_id"] is None
    assert held.get_json()["held_until"]
    again = _event(client, partner, "ride-1")
    assert (again.status_code, again.get_json()["duplicate"]) == (200, True)
    assert _event(client, partner, "ride-2").status_code == 202

    bound = _bind(client, token, _code(client, partner))
    assert bound.get_json()["paid"] == {"credited": 2, "points": 20, "lapsed": 0}
    assert account(client, token)["points_balance"] == 20

    redelivered = _event(client, partner, "ride-1")
    assert redelivered.status_code == 200
    assert redelivered.get_json()["status"] == "approved"
    # A second code for the same account binds nothing new and pays nothing again.
    rebound = _bind(client, token, _code(client, partner))
    assert rebound.status_code == 201 and rebound.get_json()["paid"]["credited"] == 0
    ledger = client.get("/api/v1/me/ledger", headers=bearer(token)).get_json()["items"]
    assert [e["code"] for e in ledger] == ["partner_reward", "partner_reward"]


def test_held_events_past_the_window_or_over_the_cap_lapse(app, client, partner, resident):
    token, _user, _openid = resident
    for n in range(6):  # bus rides: 4 a day
        assert _event(client, partner, f"ride-{n}").status_code == 202
    with app.app_context():  # ride-0 happened before the hold window
        db.session.execute(
            update(PartnerEvent)
            .where(PartnerEvent.event_id == "ride-0")
            .values(occurred_at=utcnow() - timedelta(days=31))
        )
        db.session.commit()
        db.session.remove()
    paid = _bind(client, token, _code(client, partner)).get_json()["paid"]
    assert paid == {"credited": 4, "points": 40, "lapsed": 2}
    old = _event(client, partner, "ride-0").get_json()
    assert (old["status"], old["note"]) == ("lapsed", "hold_window_passed")
    capped = _event(client, partner, "ride-5").get_json()
    assert (capped["status"], capped["note"]) == ("lapsed", "daily_cap_reached")


def test_codes_are_single_use_expire_and_bind_one_account_to_one_resident(
    app, client, partner, login_resident, seeded
):
    first, _u1, _o1 = login_resident()
    second, _u2, _o2 = login_resident()
    code = _code(client, partner)
    assert _bind(client, first, code).status_code == 201
    used = _bind(client, second, code)
    assert used.status_code == 409 and used.get_json()["reason"] == "binding_code_used"

    taken = _bind(client, second, _code(client, partner))  # U-1001 is the first's
    assert taken.status_code == 409 and taken.get_json()["reason"] == "partner_account_bound"
    other = _bind(client, first, _code(client, partner, "U-2002"))
    assert other.status_code == 409 and other.get_json()["reason"] == "partner_already_bound"

    late = _code(client, partner, "U-3003")
    with app.app_context():
        db.session.execute(
            update(PartnerBindingCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        db.session.remove()
    expired = _bind(client, second, late)
    assert expired.status_code == 409 and expired.get_json()["reason"] == "binding_code_expired"
    wrong = _bind(client, second, "ABCDE-FGHJK")
    assert wrong.status_code == 404 and wrong.get_json()["reason"] == "binding_code_not_found"


def test_wrong_codes_are_limited_per_resident(app, client, partner, resident, monkeypatch):
    monkeypatch.setitem(app.config, "PARTNER_BIND_FAILURE_LIMIT", "2 per hour")
    token, _user, _openid = resident
    assert [_bind(client, token, f"WRONG-CODE{n}").status_code for n in range(3)] == [
        404, 404, 429,
    ]  # fmt: skip


def test_unbinding_holds_later_events_again(client, partner, resident):
    token, _user, _openid = resident
    assert _bind(client, token, _code(client, partner)).status_code == 201
    gone = client.delete("/api/v1/me/partner-bindings/green-bike", headers=bearer(token))
    assert gone.status_code == 204
    assert _event(client, partner, "ride-9").status_code == 202
    missing = client.delete("/api/v1/me/partner-bindings/green-bike", headers=bearer(token))
    assert missing.status_code == 404 and missing.get_json()["reason"] == "binding_not_found"


def test_a_bound_resident_who_withdrew_consent_is_refused(client, partner, resident):
    token, _user, _openid = resident
    assert _bind(client, token, _code(client, partner)).status_code == 201
    client.put("/api/v1/me/consents/bus_ride", json={"granted": False}, headers=bearer(token))
    refused = _event(client, partner, "ride-1")
    assert refused.status_code == 409 and refused.get_json()["reason"] == "consent_required"


@pytest.mark.parametrize(
    "who", [{"openid": "o-x", "partner_user_id": "U-1"}, {"partner_user_id": None}]
)
def test_an_event_names_its_resident_once(client, partner, resident, who):
    payload = {
        "event_id": "e-1", "scenario": "bus_ride", "quantity": 1,
        "occurred_at": utcnow().isoformat(), **who,
    }  # fmt: skip
    response = _signed(client, partner, "events", payload)
    assert response.status_code == 422
    assert "openid" in response.get_json()["errors"]


def test_export_lists_and_deletion_unbinds(client, partner, login_resident, seeded):
    token, _user, _openid = login_resident()
    assert _bind(client, token, _code(client, partner)).status_code == 201
    exported = client.get("/api/v1/me/export", headers=bearer(token)).get_json()
    assert [b["partner_user_id"] for b in exported["partner_bindings"]] == ["U-1001"]
    assert client.delete("/api/v1/me", headers=bearer(token)).status_code == 204
    newcomer, _u, _o = login_resident()
    assert _bind(client, newcomer, _code(client, partner)).status_code == 201  # free again


def test_an_event_locking_its_partner_sees_a_binding_committed_after_its_first_read(
    app, client, partner, resident
):
    """The partner lock is what keeps a held event from missing a binding (the binding
    pays the held events it sees). On SQLite a request reads without the write lock until
    its first write, in a snapshot: the lock must take it, so the read after the lock sees
    a binding committed since the request's first read."""
    from app.checkins.models import Partner, PartnerBinding
    from app.checkins.partner_reads import EventReads
    from app.checkins.partners import lock_partner

    _token, user, _openid = resident
    with app.app_context():
        partner_id = db.session.scalar(select(Partner.id).where(Partner.code == partner[0]))
    with app.test_request_context("/api/v1/partner/events", method="POST"):
        reads = EventReads(db.session.get(Partner, partner_id))  # the request's first read
        assert reads.bound_user("U-2002") is None
        with db.engine.begin() as other:  # a binding commits meanwhile
            other.execute(
                PartnerBinding.__table__.insert().values(
                    partner_id=partner_id, partner_user_id="U-2002", user_id=user["id"],
                    created_at=utcnow(),
                )
            )  # fmt: skip
        lock_partner(partner_id)
        assert reads.bound_user("U-2002") == user["id"]
        db.session.rollback()
        db.session.remove()
