"""`@audited`: the audit entry for an operator action taken through a view.

Services with a real before/after (adjustments, merchants, offers) call `record_audit`
themselves. For the other operator writes (check-in decisions, sites, partners, scenarios,
campaigns) this decorator records who did what to which target, with the request as
`before` and the answer as `after`, in the same transaction as the action: an action that
rolls back leaves no entry. Secrets in either are masked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, current_app, request

from app.audit.service import record_audit
from app.auth import current_principal

SECRET_KEYS = frozenset({"secret", "token", "password", "payload"})


def _masked(value):
    if isinstance(value, dict):
        return {k: "***" if k in SECRET_KEYS else _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


def audited(action: str, target: str) -> Callable:
    """Audit a successful call as `action` on `target`, formatted with the URL arguments,
    the JSON body's fields and the answer's `id` (e.g. `"checkin:{record_id}"`,
    `"site:{id}"`). Put it right under the auth decorator, above the schema decorators."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            response = view(*args, **kwargs)
            if not isinstance(response, Response):
                response = current_app.make_response(response)
            if 200 <= response.status_code < 300:
                body = request.get_json(silent=True)
                after = response.get_json(silent=True) if response.is_json else None
                names = {
                    **(body if isinstance(body, dict) else {}),
                    **kwargs,
                    "id": after.get("id") if isinstance(after, dict) else None,
                }
                record_audit(
                    current_principal().user_id,
                    action,
                    target.format(**names)[:128],
                    before=_masked(body) or None,
                    after=_masked(after) or None,
                )
            return response

        return wrapper

    return decorator
