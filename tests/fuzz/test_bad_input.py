"""Bad input to every write endpoint listed in the OpenAPI document: oversized bodies,
wrong content types, huge and negative numbers, unicode junk, SQL-ish strings, bodies of
the wrong shape. Never a 5xx; every error is the one JSON body with a `reason`; input no
client may send is refused with a 4xx; and the database is intact afterwards.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import make_app
from tests.fuzz.spec import published_spec, write_operations

SPEC = published_spec()
# Destructive-but-valid calls (log out, delete my account) go last so they do not turn
# every later call into a 401.
OPERATIONS = sorted(
    write_operations(SPEC), key=lambda op: op[1] in ("/api/v1/auth/logout", "/api/v1/me")
)
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]
SQLISH = ["' OR '1'='1' --", "'; DROP TABLE users; --", "1; SELECT pg_sleep(5)", '") OR 1=1 #']
JUNK = ["\u202egnp.exe", "𝕏" * 3000, "Z\u0300\u0301\u0302" * 50, "\ufeff\u200b", "🌳" * 100]
UNSTORABLE = ["nul\x00byte", "lone \ud800 surrogate"]
# Fields where a negative number is nonsense (an adjustment `amount` may be negative).
UNSIGNED = re.compile(r"quantity|stock|price|limit|days|budget|multiplier|points|cap|steps")


def _path(path: str, world) -> str:
    values = {"offer_id": world.offer_id, "site_id": world.site_id, "user_id": world.resident_id,
              "code": "bus_ride", "scenario": "bus_ride"}  # fmt: skip
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], 1)), path)


def _sample(spec_schema: dict):
    schema = spec_schema
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00+08:00"
    if schema.get("format") == "date":
        return "2030-01-01"
    return "测试"


def _base(body_schema: dict) -> dict:
    return {name: _sample(s) for name, s in body_schema.get("properties", {}).items()}


def _mutations(body_schema: dict):
    """(label, body, must_be_4xx) for each field and each kind of bad value."""
    base = _base(body_schema)
    for name, field in body_schema.get("properties", {}).items():
        kind = field.get("type")
        if kind in ("integer", "number"):
            yield f"{name}=10**30", {**base, name: 10**30}, True
            yield f"{name}=-10**30", {**base, name: -(10**30)}, True
            yield f"{name}=1e308", {**base, name: 1e308}, kind == "integer"
            yield f"{name}=-1", {**base, name: -1}, bool(UNSIGNED.search(name))
            # Fullwidth digits: marshmallow reads them as a number (int() does); harmless.
            yield f"{name}='12'", {**base, name: "１２"}, False
        if kind == "string" or kind is None:
            for value in SQLISH + JUNK:
                yield f"{name}={value[:12]!r}", {**base, name: value}, False
            for value in UNSTORABLE:
                yield f"{name}={value!r}", {**base, name: value}, True
            yield f"{name}=[]", {**base, name: ["x"]}, kind == "string"
    # An operation without a body ignores one; an operation with a body checks its shape.
    has_body = bool(body_schema.get("properties")) or body_schema.get("type") == "object"
    yield "body=[]", [], has_body
    yield "body=null", None, bool(body_schema.get("required"))
    yield "body=10**30", 10**30, has_body
    yield "unknown field", {**base, "__proto__": {"admin": True}}, has_body


def _check(response, label: str, must_be_4xx: bool) -> None:
    status = response.status_code
    assert status < 500, f"{label}: {status} {response.get_data(as_text=True)[:300]}"
    if must_be_4xx:
        assert 400 <= status < 500, f"{label}: accepted with {status}"
    if status >= 400:
        body = response.get_json(silent=True)
        assert body and body.get("reason"), f"{label}: {status} without a reason: {body}"


@pytest.mark.parametrize(("method", "path", "body_schema"), OPERATIONS, ids=IDS)
def test_bad_bodies_are_refused_cleanly(client, world, method, path, body_schema):
    url = _path(path, world)
    headers = world.headers_for(path)
    for label, body, must_be_4xx in _mutations(body_schema):
        raw = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\ud800
        response = client.open(url, method=method, data=raw, headers=headers,
                               content_type="application/json")  # fmt: skip
        _check(response, f"{method} {path} {label}", must_be_4xx)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/xml"):
        response = client.open(url, method=method, data="<a>1</a>", headers=headers,
                               content_type=content_type)  # fmt: skip
        _check(response, f"{method} {path} as {content_type}", True)
        assert response.status_code in (401, 403, 415), response.get_json()
    deep = "[" * 100_000 + "]" * 100_000
    response = client.open(url, method=method, data=deep, headers=headers,
                           content_type="application/json")  # fmt: skip
    _check(response, f"{method} {path} deeply nested", True)


def test_oversized_bodies_are_413_everywhere(app_settings, world):
    small = make_app(app_settings, MAX_CONTENT_LENGTH=16 * 1024).test_client()
    payload = json.dumps({"title": "x" * 20_000})
    for method, path, _schema in OPERATIONS:
        response = small.open(
            _path(path, world), method=method, data=payload,
            headers=world.headers_for(path), content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 413, (method, path, response.status_code)
        assert response.get_json()["reason"] == "payload_too_large"


def test_the_default_limit_is_8_mib(client, world):
    payload = b'{"title": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    path = "/api/v1/merchant/offers"
    response = client.post(path, data=payload, headers=world.headers_for(path),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 413
    assert response.get_json()["reason"] == "payload_too_large"


def test_sql_ish_input_is_stored_as_text(app, client, world):
    """A hostile title is just a title: stored verbatim, every table still there."""
    path = "/api/v1/merchant/offers"
    title = "'; DROP TABLE users; --"
    body = {"title": title, "points_price": 10, "stock": 1, "per_user_limit": 1, "valid_days": 7}
    response = client.post(path, json=body, headers=world.headers_for(path))
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        stored = db.session.execute(
            text("SELECT title FROM offers WHERE id = :id"), {"id": response.get_json()["id"]}
        ).scalar()
        assert stored == title
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() >= 3
        db.session.remove()


def _takes_multipart(method: str, path: str) -> bool:
    content = SPEC["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    return "multipart/form-data" in content


JSON_OPERATIONS = [op for op in OPERATIONS if not _takes_multipart(op[0], op[1])]


@pytest.mark.parametrize(
    ("method", "path", "body_schema"),
    JSON_OPERATIONS,
    ids=[f"{m} {p}" for m, p, _ in JSON_OPERATIONS],
)
def test_multipart_is_only_for_endpoints_that_take_it(client, world, method, path, body_schema):
    """A form sent to a JSON endpoint is 415, not read as `{}` (a PATCH answered 200 for a
    change it never saw). Uploads, which take one, are tested in tests/checkins."""
    form = {name: "1" for name in body_schema.get("properties", {})} or {"x": "1"}
    headers = world.headers_for(path)
    response = client.open(_path(path, world), method=method, data=form, headers=headers,
                           content_type="multipart/form-data")  # fmt: skip
    _check(response, f"{method} {path} as multipart", True)
    assert response.status_code == 415, response.get_json()


EVERY_OPERATION = [
    (method, path)
    for path, item in SPEC["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]


@pytest.mark.parametrize(
    ("method", "path"), EVERY_OPERATION, ids=[f"{m} {p}" for m, p in EVERY_OPERATION]
)
def test_an_operation_that_wants_a_token_documents_it(client, world, method, path):
    """Without a token: a 401 answer means the document must list bearer security, so a
    client generated from it sends one (GET/POST /admin/campaigns once did not). The
    partner webhook's 401 is its signature, documented as headers."""
    response = client.open(_path(path, world), method=method, data="{}",
                           content_type="application/json")  # fmt: skip
    documented = bool(SPEC["paths"][path][method].get("security"))
    if response.status_code == 401 and not path.startswith("/api/v1/partner/"):
        assert documented, f"{method.upper()} {path} answers 401 but documents no security"
