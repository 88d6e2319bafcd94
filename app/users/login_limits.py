"""Limits on console password guessing, per client IP and per username.

- Per IP (`LOGIN_IP_RATE_LIMIT`), across usernames: one address cannot spray a password
  over many accounts.
- Per username (`LOGIN_RATE_LIMIT`): once a username has had that many failures in the
  window it is locked, but only for addresses that have failed on it themselves. An
  address with no failure on it still has its password checked, so nobody can keep
  `admin` locked out by failing on purpose, and an attacker gets one guess per fresh
  address per window.

Only wrong passwords count: each attempt is counted first (atomically, app/ratelimit.py)
and gives its count back when it was right or refused unchecked. The client IP is
`request.remote_addr`: behind a proxy, set PROXY_FIX_X_FOR so it is the client's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import current_app, request

from app.errors import RateLimited
from app.ratelimit import count_attempt


def _username() -> str:
    # Read from the raw body (before the schema) the way the service normalises it.
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    return str(username or "").strip().lower()[:64]


def login_limited(wrong_password: type[Exception]) -> Callable:
    """Decorate the login view; `wrong_password` is what it raises for a failed login."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            per_address = current_app.config["LOGIN_IP_RATE_LIMIT"]
            per_name = current_app.config["LOGIN_RATE_LIMIT"]
            username, address = _username(), request.remote_addr or "unknown"
            by_address = count_attempt(per_address, "login-ip", address)
            by_name = count_attempt(per_name, "login", username)
            by_pair = count_attempt(per_name, "login-from", username, address)
            counted = [by_address, by_name, by_pair]
            if by_address.over or (by_name.over and not by_pair.first):
                for each in counted:
                    each.give_back()
                raise RateLimited("登录失败次数过多，请稍后再试")
            try:
                result = view(*args, **kwargs)
            except wrong_password:
                raise
            except Exception:
                for each in counted:
                    each.give_back()
                raise
            for each in counted:
                each.give_back()
            return result

        return wrapper

    return decorator
