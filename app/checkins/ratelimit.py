"""Per-resident rate limits on check-in actions (`<ACTION>_RATE_LIMIT` settings).

Limits protect the database from scripted floods; they are not bookkeeping, so if
Redis is unreachable the request goes on (the database caps still hold): the app's one
mechanism, app/ratelimit.py `hit_per_person`.
"""

from __future__ import annotations

from app.checkins.settings import setting
from app.ratelimit import hit_per_person


def hit(action: str, user_id: int) -> None:
    """Count one `action` by a resident against `<ACTION>_RATE_LIMIT`.

    Raises RateLimited (429 `rate_limited`).
    """
    spec = setting(f"{action.upper()}_RATE_LIMIT")
    hit_per_person(f"checkins/{action}", spec, str(user_id), "操作太频繁，请稍后再试")
