"""Helpers of the partner-batch tests (test_partner_batch*.py)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.extensions import db
from tests.checkins.support import partner_body, signed_headers
from tests.helpers import bearer

BATCH = "/api/v1/partner/events/batch"


def new_partner(client, op_token: str) -> tuple[str, str]:
    """A bus company reporting bus rides and metro trips: (code, secret)."""
    response = client.post(
        "/api/v1/admin/partners",
        json={"code": "city-bus", "name": "城市公交", "scenarios": ["bus_ride", "metro_km"]},
        headers=bearer(op_token),
    )
    assert response.status_code == 201, response.get_json()
    return "city-bus", response.get_json()["secret"]


def consent_to_trips(client, token: str) -> None:
    for scenario in ("bus_ride", "metro_km"):
        response = client.put(f"/api/v1/me/consents/{scenario}", json={"granted": True},
                              headers=bearer(token))  # fmt: skip
        assert response.status_code == 200


def event(event_id: str, openid: str, **fields) -> dict:
    return json.loads(partner_body(event_id, openid, **fields))


def post_raw(client, partner, body: bytes, **sign):
    code, secret = partner
    return client.post(BATCH, data=body, headers=signed_headers(code, secret, body, **sign))


def post_batch(client, partner, events: list, **sign):
    return post_raw(client, partner, json.dumps({"events": events}).encode(), **sign)


def post_single(client, partner, payload: dict):
    code, secret = partner
    body = json.dumps(payload).encode()
    return client.post("/api/v1/partner/events", data=body,
                       headers=signed_headers(code, secret, body))  # fmt: skip


def outcomes(response) -> list[tuple]:
    """(event_id, code, reason) of each event of an answered batch."""
    assert response.status_code == 200, response.get_json()
    return [(r["event_id"], r["code"], r["reason"]) for r in response.get_json()["results"]]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
