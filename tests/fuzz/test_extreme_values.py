"""Extreme datetimes, dates, months and numbers to every endpoint that takes one.

The operations come from the OpenAPI document: every parameter or JSON body field typed
integer, number, date or date-time (plus `month` and `cursor`, which carry a date and an
id in a string). Hypothesis picks one such field per example and gives it an extreme: year
1 or 9999 with offsets of up to +-23:59, months 0-13, ids beyond 64 bits, numbers beyond
what JSON or a float can hold. The rest of the request is ordinary. The answer is never a
5xx; an error is the one JSON body with a `reason`; a time that has no UTC equivalent, and
an integer beyond 64 bits, is refused with a 422 naming the field; and the lists still
read afterwards (strategies: tests/fuzz/extremes.py).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.extensions import db
from tests.checkins.support import signed_headers
from tests.fuzz.conftest import World
from tests.fuzz.extremes import STRATEGIES, dumps
from tests.fuzz.spec import published_spec, resolve
from tests.fuzz.test_bad_input import _base, _check, _path

SPEC = published_spec()
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
# Log out and delete-my-account would turn every later call into a 401; WeRun is a
# sealed blob (tested on its own in tests/checkins).
SKIP = {"/api/v1/auth/logout", "/api/v1/me", "/api/v1/werun/sync"}
NAMED = {"month": "month", "cursor": "cursor", "until": "date", "from": "date", "to": "date"}


def _kind(name: str, schema: dict) -> str | None:
    if name in NAMED:
        return NAMED[name]
    if schema.get("format") == "date-time":
        return "datetime"
    if schema.get("format") == "date":
        return "date"
    if schema.get("type") in ("integer", "number"):
        return schema["type"]
    return None


def extreme_operations() -> list[tuple[str, str, list[tuple[str, str, str]], dict]]:
    """(method, path, [(location, name, kind)], JSON body schema) of each such operation."""
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or path in SKIP:
                continue
            targets = []
            for param in operation.get("parameters", []):
                kind = _kind(param["name"], resolve(SPEC, param.get("schema")))
                if kind and param["in"] in ("query", "path"):
                    targets.append((param["in"], param["name"], kind))
            content = operation.get("requestBody", {}).get("content", {})
            body = resolve(SPEC, content.get("application/json", {}).get("schema"))
            for name, field in body.get("properties", {}).items():
                if kind := _kind(name, resolve(SPEC, field)):
                    targets.append(("body", name, kind))
            if targets:
                found.append((method.upper(), path, targets, body))
    return found


OPERATIONS = extreme_operations()
IDS = [f"{method} {path}" for method, path, _, _ in OPERATIONS]


def _list_paths() -> list[str]:
    """Every list or read endpoint without path parameters, to read back what was stored."""
    return [p for p, item in SPEC["paths"].items() if "get" in item and "{" not in p]


def _valid_body(path: str, body_schema: dict, world: World) -> dict:
    """A body the endpoint accepts (so the extreme value is what is tested), where the
    generic sample would be refused for another reason first."""
    bodies = {
        "/api/v1/admin/campaigns": {
            "name": "活动", "starts_at": "2030-01-01T00:00:00+08:00",
            "ends_at": "2030-02-01T00:00:00+08:00", "scenarios": ["bus_ride"],
            "multiplier": 2, "budget_points": 1000,
        },
        "/api/v1/merchant/offers": {"title": "券", "points_price": 10, "stock": 5, "valid_days": 7},
        "/api/v1/merchant/offers/{offer_id}": {"title": "新券名"},
        "/api/v1/admin/scenarios/{code}/versions": {
            "g_co2e_per_unit": 90, "points_rule": "10 per ride", "source": "测试来源",
        },
        "/api/v1/partner/events": {
            "event_id": secrets.token_hex(8), "openid": "fuzz-unknown", "scenario": "bus_ride",
            "quantity": 1, "occurred_at": datetime.now(UTC).isoformat(),
        },
        "/api/v1/admin/points/adjustments": {
            "user_id": world.resident_id, "amount": 10, "reason": "测试调整",
        },
        "/api/v1/admin/sites": {"name": "站点", "scenario": "bus_ride"},
        "/api/v1/admin/stats": {},
    }  # fmt: skip
    return dict(bodies[path]) if path in bodies else _base(body_schema)


@dataclass
class Targets:
    """The fuzzers' world, plus a signing partner and an offer still in review (a live
    one refuses new terms with 409 before looking at their dates)."""

    world: World
    partner: str
    secret: str
    pending_offer_id: int

    def request(self, method: str, path: str, url: str, body: str | None) -> dict:
        if "/merchant/offers/{offer_id}" in path:
            url = url.replace(f"/offers/{self.world.offer_id}", f"/offers/{self.pending_offer_id}")
        headers = self.world.headers_for(path)
        if path.startswith("/api/v1/partner/"):
            headers = signed_headers(self.partner, self.secret, (body or "").encode())
        return {"path": url, "method": method, "data": body, "headers": headers,
                "content_type": "application/json" if body is not None else None}  # fmt: skip


@pytest.fixture
def targets(app, world) -> Targets:
    from app.checkins.partners import create_partner
    from app.mall.offers import create_offer
    from app.merchants.models import Merchant

    with app.app_context():
        partner, secret = create_partner("fuzz-bus", "模糊公交", ["bus_ride"])
        owner_id = db.session.scalar(select(Merchant.owner_user_id))
        offer = create_offer(owner_id, {"title": "待审券", "points_price": 5, "stock": 5,
                                        "per_user_limit": 1, "valid_days": 3})  # fmt: skip
        targets = Targets(world, partner.code, secret, offer.id)
        db.session.commit()
        db.session.remove()
    return targets


@pytest.mark.parametrize(("method", "path", "fields", "body_schema"), OPERATIONS, ids=IDS)
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_extreme_values_are_refused_cleanly(client, targets, method, path, fields, body_schema,
                                            data):  # fmt: skip
    location, name, kind = data.draw(st.sampled_from(fields), label="field")
    value, must_refuse = data.draw(STRATEGIES[kind], label="value")
    body = _valid_body(path, body_schema, targets.world) if method != "GET" else None
    query = {}
    url = path
    if location == "path":
        url = path.replace("{" + name + "}", str(value))
    elif location == "query":
        query[name] = str(value)
    else:
        body[name] = value
    raw = dumps(body) if body is not None else None
    call = targets.request(method, path, _path(url, targets.world), raw)
    response = client.open(query_string=query, **call)
    label = f"{method} {path} {location}:{name}={str(value)[:60]!r}"
    _check(response, label, must_refuse)
    if must_refuse and location != "path":
        # Refused by the field itself (422 naming it), not by whatever broke further on.
        errors = (response.get_json() or {}).get("errors", {})
        assert response.status_code == 422 and name in errors, (label, response.get_json())


@pytest.mark.parametrize(("method", "path", "fields", "body_schema"), OPERATIONS, ids=IDS)
def test_what_was_accepted_still_reads(client, targets, method, path, fields, body_schema):
    """The far edges that were accepted (year 2999, the largest stock) do not break a read."""
    for location, name, kind in fields:
        if location != "body":
            continue
        for value in _edges(kind):
            raw = dumps({**_valid_body(path, body_schema, targets.world), name: value})
            response = client.open(**targets.request(method, path, _path(path, targets.world), raw))
            _check(response, f"{method} {path} {name}={value!r}", False)
    for read in _list_paths():
        response = client.get(read, headers=targets.world.headers_for(read))
        _check(response, f"GET {read} after {method} {path}", False)


def _edges(kind: str) -> list:
    if kind == "datetime":
        return ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2999-12-31T23:59:59-12:00",
                "1970-01-01T00:00:00+14:00", "2999-12-31T23:59:59"]  # fmt: skip
    if kind == "date":
        return ["0001-01-01", "9999-12-31"]
    if kind in ("integer", "number"):
        return [2**63 - 1, -(2**63), 10**9, 1e308]
    return []


@pytest.mark.parametrize(
    ("method", "path", "field", "value"),
    [
        ("GET", "/api/v1/merchant/settlement", "month", "9999-12"),
        ("GET", "/api/v1/merchant/settlement", "month", "0001-01"),
        ("POST", "/api/v1/admin/campaigns", "starts_at", "0001-01-01T00:00:00+08:00"),
        ("POST", "/api/v1/admin/campaigns", "ends_at", "9999-12-31T23:00:00-08:00"),
        ("POST", "/api/v1/merchant/offers", "sale_starts_at", "0001-01-01T00:00:00+08:00"),
        ("PATCH", "/api/v1/merchant/offers/{offer_id}", "sale_starts_at", "0001-01-01T07:00+08:00"),
        ("POST", "/api/v1/admin/scenarios/{code}/versions", "valid_from", "0001-01-01T00:00+01:00"),
        ("POST", "/api/v1/partner/events", "occurred_at", "9999-12-31T23:59:59-00:01"),
        ("GET", "/api/v1/admin/stats", "until", "9999-12-31"),
        ("GET", "/api/v1/admin/audit-log", "actor_id", str(2**63)),
        ("POST", "/api/v1/admin/merchants", "owner_user_id", 2**64),
    ],
)
def test_the_reported_edges_are_422_naming_the_field(client, targets, method, path, field, value):
    """Issue #12: these were a 500 or a misleading error (invalid_value, offer_live...)."""
    query, body = {}, None
    if method == "GET":
        query[field] = value
    else:
        schema = _request_schema(method, path)
        body = {**_valid_body(path, schema, targets.world), field: value}
        if path == "/api/v1/admin/merchants":
            body["name"] = "店"
    call = targets.request(method, path, _path(path, targets.world), dumps(body) if body else None)
    response = client.open(query_string=query, **call)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["reason"] == "validation_error"
    assert field in response.get_json()["errors"], response.get_json()


def _request_schema(method: str, path: str) -> dict:
    operation = SPEC["paths"][path][method.lower()]
    content = operation.get("requestBody", {}).get("content", {})
    return resolve(SPEC, content.get("application/json", {}).get("schema"))
