"""Fixed-window counters in Redis (the `limits` package), and limits on guessing.

A limit that should count only failures (wrong coupon codes, wrong invite codes, wrong
passwords) cannot check first and count once the answer is known: a burst of parallel
guesses all pass the check before any of them is counted. So a guess is counted first, by
one atomic increment (`limits`' Redis storage: INCRBY and EXPIRE in one Lua script), is
refused if that count is over the limit, and gives its count back when it turns out
right (or was refused unchecked). However many arrive at once, no more wrong guesses than
the limit are ever checked in a window (docs/decisions/0705).

Limits on guessing protect secrets, so without Redis they refuse (503) rather than let
guesses through unlimited; the per-person limits on actions (`hit_per_person`: check-ins,
uploads, profile changes) fail open instead, the database caps hold there. The one
mechanism for every limit in the app (no Flask-Limiter).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.errors import AppError, RateLimited, ServiceUnavailable

log = logging.getLogger(__name__)


def fixed_window() -> FixedWindowRateLimiter:
    """The app's fixed-window limiter on RATELIMIT_STORAGE_URI (one per app, cached)."""
    cached = current_app.extensions.get("fixed_window_limiter")
    if cached is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        cached = current_app.extensions["fixed_window_limiter"] = FixedWindowRateLimiter(storage)
    return cached


def hit_per_person(namespace: str, spec: str, person: str, message: str) -> None:
    """Count one action of a person against `spec` ("5 per minute; 100 per day"), failing
    open: these limits protect the database and WeChat from scripted floods (the database
    caps are the rules), so without Redis the request goes on. Empty `spec`: no limit.

    Raises RateLimited (429 `rate_limited`) with `message` and the limit that was hit.
    """
    if not spec:
        return
    try:
        limiter = fixed_window()
        for item in parse_many(spec):
            if not limiter.hit(item, namespace, person):
                raise RateLimited(f"{message}（{item}）")
    except RateLimited:
        raise
    except Exception as exc:  # Redis unreachable: fail open (see above)
        log.warning("%s rate limit skipped: %s", namespace, type(exc).__name__)


class LimiterUnavailable(ServiceUnavailable):
    reason, message = "rate_limiter_unavailable", "暂时无法校验，请稍后再试"


@dataclass
class Counted:
    """One attempt, counted against every item of a limit for one key."""

    storage: Storage
    counts: list[tuple[RateLimitItem, str, int]] = field(default_factory=list)

    @property
    def over(self) -> bool:
        """This attempt went past the limit (it must be refused)."""
        return any(count > item.amount for item, _key, count in self.counts)

    @property
    def first(self) -> bool:
        """No other attempt on this key is counted in the window (failed or in flight)."""
        return all(count <= 1 for _item, _key, count in self.counts)

    def give_back(self) -> None:
        """Uncount the attempt (it was right). A failure here only costs the caller one
        guess of budget until the window ends, so it is logged, not raised."""
        try:
            for item, key, _count in self.counts:
                self.storage.incr(key, item.get_expiry(), amount=-1)
        except Exception as exc:
            log.warning("rate limit give-back skipped: %s", type(exc).__name__)


def count_attempt(spec: str, *identifiers: str) -> Counted:
    """Count one attempt against `spec` ("10 per 10 minutes", `;` for several) for the key
    made of `identifiers`, atomically. Raises LimiterUnavailable (503) without Redis."""
    storage = fixed_window().storage
    counted = Counted(storage)
    try:
        for item in parse_many(spec):
            key = item.key_for(*identifiers)
            counted.counts.append((item, key, storage.incr(key, item.get_expiry(), amount=1)))
    except Exception as exc:
        log.warning("rate limit unavailable: %s", type(exc).__name__)
        counted.give_back()
        raise LimiterUnavailable() from None
    return counted


def _is_wrong_guess(error: Exception) -> bool:
    return isinstance(error, AppError) and error.status == 404


def guess_limit(
    scope: str, spec: Callable[[], str], key: Callable[[], str], message: str
) -> Callable:
    """Decorate a view that checks a guessable code: each call is counted under
    (`scope`, `key()`) before the view runs and refused with 429 over `spec()`; a call
    whose code turns out to exist (anything but a 404) gives its count back."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            counted = count_attempt(spec(), scope, key())
            if counted.over:
                counted.give_back()  # refused unchecked: only checked guesses count
                raise RateLimited(message)
            try:
                result = view(*args, **kwargs)
            except Exception as error:
                if not _is_wrong_guess(error):
                    counted.give_back()
                raise
            counted.give_back()
            return result

        return wrapper

    return decorator
