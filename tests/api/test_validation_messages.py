"""Every validation message is Chinese: marshmallow's defaults, each field of every schema
the app defines, and what a 422 actually says (issue 17)."""

from __future__ import annotations

import re

from marshmallow import Schema, fields, validate

from tests.helpers import bearer

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _all_subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def _validator_messages(validator) -> list[str]:
    if isinstance(validator, validate.Validator):
        texts = [getattr(validator, "error", None)]
        for name in ("message_min", "message_max", "message_all", "message_equal"):
            texts.append(getattr(validator, name, None))
        if not any(texts[1:]):
            texts.append(getattr(validator, "default_message", None))
        return [t for t in texts if isinstance(t, str)]
    return []


def _field_messages(field: fields.Field) -> list[str]:
    texts = [m for m in field.error_messages.values() if isinstance(m, str)]
    for validator in field.validators:
        texts += _validator_messages(validator)
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if isinstance(inner, fields.Field):
            texts += _field_messages(inner)
    return texts


def test_marshmallow_defaults_are_chinese(app):
    for cls in [fields.Field, *_all_subclasses(fields.Field)]:
        if not cls.__module__.startswith(("marshmallow", "webargs")):
            continue
        merged = {}  # what Field.__init__ merges along the MRO
        for klass in reversed(cls.__mro__):
            merged.update(getattr(klass, "default_error_messages", {}))
        for key, message in merged.items():
            assert _CJK.search(message), f"{cls.__name__}.{key}: {message!r}"
    assert all(_CJK.search(m) for m in Schema().error_messages.values())


def test_every_field_of_every_app_schema_speaks_chinese(app):
    schemas = [s for s in _all_subclasses(Schema) if s.__module__.startswith("app.")]
    assert len(schemas) > 100
    english = []
    for schema_cls in schemas:
        try:
            schema = schema_cls()
        except TypeError:  # needs constructor arguments: not one of the API's bodies
            continue
        english += [
            f"{schema_cls.__module__}.{schema_cls.__name__}.{name}: {text!r}"
            for name, field in schema.fields.items()
            for text in _field_messages(field)
            if not _CJK.search(text)
        ]
    assert english == []


def test_a_422_says_what_is_wrong_in_chinese(client, make_operator):
    token, _ = make_operator()
    response = client.post(
        "/api/v1/admin/sites",
        json={"name": "", "scenario": 5, "colour": "green"},
        headers=bearer(token),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors["colour"] == ["不允许的字段"]
    assert errors["scenario"] == ["须为字符串"]
    assert all(_CJK.search(m) for messages in errors.values() for m in messages)

    missing = client.post("/api/v1/admin/sites", json={}, headers=bearer(token))
    assert missing.get_json()["errors"]["name"] == ["缺少必填字段"]

    query = client.get("/api/v1/admin/checkins?limit=0&colour=1", headers=bearer(token))
    assert query.status_code == 422
    assert query.get_json()["errors"] == {"limit": ["须大于或等于 1 且小于或等于 100"],
                                          "colour": ["不允许的字段"]}  # fmt: skip
