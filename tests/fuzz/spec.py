"""The OpenAPI document as the app serves it (building it needs no database or Redis)."""

from __future__ import annotations

import functools


@functools.cache
def published_spec() -> dict:
    from app import create_app
    from config import TestConfig

    return create_app(TestConfig).test_client().get("/api/v1/openapi.json").get_json()


def resolve(spec: dict, schema: dict | None) -> dict:
    """Follow `$ref`s (and a lone allOf) to the schema object itself."""
    while schema and ("$ref" in schema or list(schema) == ["allOf"]):
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = spec["components"]["schemas"][name]
        else:
            schema = schema["allOf"][0]
    return schema or {}


def write_operations(spec: dict) -> list[tuple[str, str, dict]]:
    """(method, path, JSON body schema or {}) of every POST/PUT/PATCH/DELETE."""
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = resolve(spec, content.get("application/json", {}).get("schema"))
            found.append((method.upper(), path, body))
    return found
