"""What every API write body must be before any view sees it.

- A body is JSON (`application/json` or `+json`), or multipart where the view reads files
  or a form (uploads): anything else is 415 `unsupported_media_type`, instead of being
  read as an empty JSON object (a PATCH would answer 200 for a change it never saw).
- It fits MAX_CONTENT_LENGTH (413 `payload_too_large`, raised by werkzeug on reading).
- Its strings hold no NUL character and no lone UTF-16 surrogate (422
  `invalid_characters`): PostgreSQL cannot store the first and no driver can encode the
  second, and SQLite would store what PostgreSQL refuses, so both backends answer alike.
- It is not nested so deep that parsing it would exhaust the stack (400 `json_too_deep`),
  and holds no integer too long for Python to read (422 `invalid_value`).
"""

from __future__ import annotations

import json
import re

from flask import Flask, request
from werkzeug.exceptions import UnsupportedMediaType

from app.errors import BadRequest, Unprocessable

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class InvalidCharacters(Unprocessable):
    reason, message = "invalid_characters", "请求中含有无法保存的字符"


class InvalidValue(Unprocessable):
    reason, message = "invalid_value", "请求中有超出范围或无法保存的值"


def _has_unstorable(value) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_unstorable(k) or _has_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable(v) for v in value)
    return False


def _reads_form(app: Flask, endpoint: str | None) -> bool:
    """Whether the view of `endpoint` (for this method) parses files or a form: flask-smorest
    records each `@blp.arguments` location in the view's `_apidoc`."""
    view = app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    arguments = getattr(view, "_apidoc", {}).get("arguments", {})
    return any(
        isinstance(p, dict) and p.get("in") in ("files", "form")
        for p in arguments.get("parameters", [])
    )


def install_input_guard(app: Flask) -> None:
    """Check every API write's body before its view (see the module docstring): JSON or an
    upload's multipart (else 415), storable strings (422), not nested too deep (400), no
    integer too long to read (422)."""

    @app.before_request
    def _guard_body() -> None:
        if request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return
        if not (request.content_length or request.headers.get("Transfer-Encoding")):
            return  # no body: nothing to misread
        if request.mimetype == "multipart/form-data" and _reads_form(app, request.endpoint):
            return
        if not request.is_json:
            raise UnsupportedMediaType()
        try:
            data = json.loads(request.get_data(cache=True))
        except json.JSONDecodeError:
            return  # the view's schema answers malformed JSON with its own 400/422
        except ValueError:  # an integer of more digits than Python converts (4300)
            raise InvalidValue() from None
        except RecursionError:
            raise BadRequest("JSON 嵌套过深", reason="json_too_deep") from None
        if _has_unstorable(data):
            raise InvalidCharacters()
