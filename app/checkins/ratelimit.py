"""Per-resident rate limits in Redis (the `limits` package, fixed windows).

Limits protect the database from scripted floods; they are not bookkeeping, so if
Redis is unreachable the request goes on (the database caps still hold).
"""

from __future__ import annotations

import logging

from limits import parse_many

from app.checkins.settings import setting
from app.errors import RateLimited
from app.ratelimit import fixed_window

log = logging.getLogger(__name__)


def hit(action: str, user_id: int) -> None:
    """Count one `action` by a resident against `<ACTION>_RATE_LIMIT`.

    Raises RateLimited (429 `rate_limited`).
    """
    spec = setting(f"{action.upper()}_RATE_LIMIT")
    if not spec:
        return
    try:
        limiter = fixed_window()
        for item in parse_many(spec):
            if not limiter.hit(item, "checkins", action, str(user_id)):
                raise RateLimited(f"操作太频繁，请稍后再试（{item}）")
    except RateLimited:
        raise
    except Exception as exc:  # Redis down: fail open, the database still enforces caps
        log.warning("rate limit check skipped: %s", type(exc).__name__)
