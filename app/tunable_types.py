"""How each kind of setting is read (app/tunables.py): a parser takes the text of the
environment (or a default, or a value set in code) and returns the typed value, or raises
ValueError with what the value must be."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Parser = Callable[[Any], Any]  # text or a default in, the typed value out; ValueError else


def integer(minimum: int = 0, maximum: int | None = None) -> Parser:
    """Parser of a whole number of at least `minimum` (and at most `maximum`)."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or not re.fullmatch(r"\s*-?\d+\s*", str(value)):
            raise ValueError("must be a whole number")
        number = int(value)
        if maximum is not None and not minimum <= number <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}")
        if number < minimum:
            raise ValueError(f"must be {minimum} or more")
        return number

    return parse


def number(minimum: float = 0.0, maximum: float | None = None, above: bool = False) -> Parser:
    """Parser of a number of at least `minimum` (more than it with `above`), at most `maximum`."""

    def parse(value: Any) -> float:
        try:
            result = float(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number") from None
        low_ok = result > minimum if above else result >= minimum
        if not low_ok or (maximum is not None and result > maximum) or result != result:
            bound = f"must be more than {minimum}" if above else f"must be at least {minimum}"
            raise ValueError(bound + (f" and at most {maximum}" if maximum is not None else ""))
        return result

    return parse


def flag(value: Any) -> bool:
    """Parse a yes/no flag: 1/0, true/false, yes/no, on/off (empty is no)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("must be 1/0 (also true/false, yes/no, on/off)")


def text(pattern: str | None = None, allow_empty: bool = False, hint: str = "") -> Parser:
    """Parser of a text, non-empty unless `allow_empty`, matching `pattern` when given."""

    def parse(value: Any) -> str:
        result = "" if value is None else str(value)
        if not result and not allow_empty:
            raise ValueError("must not be empty")
        if result and pattern and not re.fullmatch(pattern, result):
            raise ValueError(hint or f"must match {pattern}")
        return result

    return parse


def choice(*options: str) -> Parser:
    """Parser of one of `options` (case-insensitive; returns the option as spelt here)."""

    def parse(value: Any) -> str:
        result = str(value).strip()
        match = next((o for o in options if o.lower() == result.lower()), None)
        if match is None:
            raise ValueError(f"must be one of {', '.join(options)}")
        return match

    return parse


def rate_limit(value: Any) -> str:
    """Parse a rate limit as the `limits` package reads it: "5 per minute", several joined
    by ";"."""
    from limits import parse_many

    try:
        if not parse_many(str(value)):
            raise ValueError
    except ValueError:
        raise ValueError(
            'must be a rate limit such as "5 per minute" (several joined by ";")'
        ) from None
    return str(value)


def optional_path(value: Any) -> str | None:
    """Parse a path, or None when empty."""
    return str(value) if value not in (None, "") else None


def url(*schemes: str, allow_empty: bool = False) -> Parser:
    """Parser of a URL starting with one of `schemes` (empty only with `allow_empty`)."""

    def parse(value: Any) -> str:
        result = str(value or "")
        if not result and allow_empty:
            return result
        if not any(result.startswith(s) for s in schemes):
            raise ValueError(f"must start with {' or '.join(schemes)}")
        return result

    return parse


def database_url(value: Any) -> str:
    """Parse a SQLite or PostgreSQL database URL."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(str(value)).get_backend_name()
    except ArgumentError:
        raise ValueError("must be a database URL such as postgresql+psycopg://...") from None
    if backend not in ("sqlite", "postgresql"):
        raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
    return str(value)
