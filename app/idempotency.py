"""`Idempotency-Key` for POSTs that move points, stock or coupons.

The key, scoped to (user, method, path), is stored with a hash of the request and the
first 2xx answer in the same database transaction as the work itself. A retry with the
same key and body gets that answer again (status and body, `Idempotent-Replayed: true`);
the same key with another body is 422 `idempotency_key_reused`. Two requests with one
key at once: the record's unique index makes the second wait for the first (PostgreSQL
row lock; SQLite's writer queue), then it rolls back what it did and replays. On SQLite
the record is inserted at the request's first write (app/sqlite_engine.py
`at_first_write`), so the reads before it stay outside the writer queue. Error answers
are not stored (the transaction rolls back), so a client may retry after, say, earning
more points.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime

from flask import Response, g, request
from flask_smorest import Blueprint
from sqlalchemy import Integer, String, Text, UniqueConstraint, bindparam, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.db import UtcDateTime, table_of, utcnow
from app.errors import Conflict, Unprocessable
from app.extensions import Model, db
from app.sql import execute_built, execute_prepared
from app.sqlite_engine import at_first_write, cancel_first_write

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
HEADER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": "同一操作重试时使用同一个键：首次成功的结果会被原样返回。",
}


class IdempotencyRecord(Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class InvalidIdempotencyKey(Unprocessable):
    reason, message = "invalid_idempotency_key", "Idempotency-Key 须为 1 到 255 个字符"


class IdempotencyKeyReused(Unprocessable):
    reason, message = "idempotency_key_reused", "该请求标识已用于另一个不同的请求"


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(part + b"\0")
    return digest.hexdigest()


_records = table_of(IdempotencyRecord)


class _ClaimTaken(Exception):
    """Another request with this key committed first (never escapes this module)."""


class _Claim:
    """The record's INSERT ... ON CONFLICT DO NOTHING RETURNING id; raises _ClaimTaken
    when it inserts nothing. Core, no savepoint, no unit of work (issue 13)."""

    def __init__(self, scope: str, key: str, request_hash: str) -> None:
        self.id: int | None = None
        self.values = {"scope": scope, "key": key, "request_hash": request_hash,
                       "created_at": utcnow()}  # fmt: skip

    def __call__(self, connection, answer: dict | None = None) -> None:
        """Insert the record (with the `answer` already, for a request that wrote nothing)."""
        values = {**self.values, **(answer or {})}
        self.id = execute_built("idempotency.claim", _claim_statement, values, connection).scalar()
        if self.id is None:
            raise _ClaimTaken()


def _claim_statement(insert):
    return insert(_records).on_conflict_do_nothing().returning(_records.c.id)


def _find_statement():
    return select(_records).where(
        _records.c.scope == bindparam("scope"), _records.c.key == bindparam("key")
    )


def _find(lookup: dict, connection):
    """The record of this (scope, key), or None: a read of every keyed request."""
    return execute_prepared("idempotency.find", _find_statement, lookup, connection).one_or_none()


def _answer_statement():
    return (
        update(_records)
        .where(_records.c.id == bindparam("record_id"))
        .values(status_code=bindparam("status_code"), response_body=bindparam("response_body"))
    )


def _replay_winner(lookup: dict, request_hash: str) -> Response:
    if (winner := _find(lookup, db.session.connection())) is None:
        # It was taken by a request that has not committed yet (it rolled back since).
        raise Conflict("请求正在处理中，请稍后重试", reason="idempotency_conflict")
    return _replay(winner, request_hash)


def _replay(record, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    response = Response(record.response_body, status=record.status_code)
    response.mimetype = "application/json"
    response.headers["Idempotent-Replayed"] = "true"
    return response


def current_idempotency() -> tuple[str | None, str | None]:
    """(user-scoped key, request hash) of this request, or (None, None) without a key.

    Services store these on their ledger transaction so the ledger is exactly-once too.
    """
    return getattr(g, "idempotency", (None, None))


def idempotent(
    view: Callable | None = None, *, refuse_first: Callable[[], None] | None = None
) -> Callable:
    """Make a POST view replay its first 2xx answer for a repeated Idempotency-Key.

    `refuse_first`: the view's refusal known from what the request read before its first
    query (the sold-out marker read with the session), raised as an AppError after the
    key's lookup has found no earlier answer and before its claim, so such an answer
    writes nothing on either backend (PostgreSQL claims the key at once otherwise). As
    `@idempotent(refuse_first=...)`; a refusal it raises is the view's own answer.
    """
    if view is None:
        return functools.partial(idempotent, refuse_first=refuse_first)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise InvalidIdempotencyKey()
        principal = getattr(g, "principal", None)
        user_part = principal.user_id if principal else 0
        scope = f"{user_part}:{request.method}:{request.path}"[:255]
        request_hash = _request_hash()
        connection = db.session.connection()
        lookup = {"scope": scope, "key": key}
        if (existing := _find(lookup, connection)) is not None:
            return _replay(existing, request_hash)
        if refuse_first is not None:
            refuse_first()
        claim = _Claim(scope, key, request_hash)
        try:
            # SQLite: the claim waits for the request's first write, so its reads stay
            # outside the writer queue; elsewhere it is made now (a concurrent request
            # with this key makes PostgreSQL wait here for it).
            if not at_first_write(connection, claim):
                claim(connection)
            g.idempotency = (f"{user_part}:{key}", request_hash)
            response = view(*args, **kwargs)
        except _ClaimTaken:
            db.session.rollback()  # whatever this request did before it learnt
            return _replay_winner(lookup, request_hash)
        if not isinstance(response, Response):
            from flask import current_app

            response = current_app.make_response(response)
        if 200 <= response.status_code < 300:
            answer = {"status_code": response.status_code,
                      "response_body": response.get_data(as_text=True)}  # fmt: skip
            if cancel_first_write(connection, claim):  # it wrote nothing: claim and answer
                try:
                    claim(connection, answer)
                except _ClaimTaken:
                    return _replay_winner(lookup, request_hash)
            else:
                execute_prepared("idempotency.answer", _answer_statement,
                                 {"record_id": claim.id, **answer}, connection)  # fmt: skip
        return response

    return Blueprint.doc(parameters=[HEADER_DOC])(wrapper)
