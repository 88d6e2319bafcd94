"""Reference rows kept in each process (issue 13, step 3): scenarios, methodology
versions, check-in sites and campaigns, which every check-in reads and an operator changes
a few times a year.

Each process keeps detached copies of what it loaded, tagged with the reference stamp: a
random value in Redis (`STAMP_KEY`) that every committed change to those tables replaces
after commit. A copy is used only while it carries the current stamp, and is merged into
the request's session without a query (`Session.merge(load=False)`), so the request gets
its own persistent objects, as a query would have given it.

What keeps it true (the argument of app/cache.py):
- A copy is tagged with a stamp read *before* its rows were read: the stamp comes in the
  session's Redis round trip (app/auth.py), before the request's first query. Rows read
  before a change committed are then stale as soon as that change's stamp lands.
- A stamp read later (no bearer session; a session loaded from the database) may be newer
  than what the request's transaction reads (on SQLite, the snapshot of its first query).
  Copies carrying it are used, but nothing is loaded under it: the rows are read from the
  database as without the cache.
- Every ORM insert, update or delete of a cached class bumps the stamp after commit (the
  flush hook below); the one Core UPDATE of them, a site's key rotation, calls `changed()`.
  A campaign's budget and award counts are Core UPDATEs that do not bump: copies carry
  stale counts, which nothing reads (the claims are conditional UPDATEs).
- The stamp is random, not a counter: a Redis that lost it (a restart, FLUSHDB between
  tests) starts a stamp no copy carries. A copy also lives at most `TTL_SECONDS`, which
  bounds what a change written behind the product's back (a manual fix: `flask ops
  forget-reference-copies` makes it seen at once), a
  replacement lost because Redis was down at that commit, or a Redis restarted from an
  older snapshot (an old stamp back) can cost.
- Only requests use the copies; CLI commands, jobs and the scheduler read the database.
- If Redis cannot be reached, nothing is cached: every read goes to the database.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import redis
from flask import has_request_context, request
from sqlalchemy import Engine, event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from app.after_commit import after_transaction
from app.extensions import db, redis_client

STAMP_KEY = "reference:stamp"
TTL_SECONDS = 300
MAX_ENTRIES = 5000
_CACHED: tuple[type, ...] = ()  # the mapped classes whose changes replace the stamp
_PENDING = "reference_stamp_bump"
# In the request's WSGI environ (one per request, even where tests reuse an app context):
_EARLY = "tanpuhui.reference_stamp"  # the stamp read with the session, before any query
_LATE = "tanpuhui.reference_stamp_late"  # the stamp read at the first lookup, after queries
# engine -> {key: (stamp, stored at, copies)}
_entries: WeakKeyDictionary[Engine, dict[tuple, tuple[str, float, Any]]] = WeakKeyDictionary()
_lock = threading.Lock()
T = TypeVar("T")


def register(*classes: type) -> None:
    """Count changes of these mapped classes as reference changes (their modules call it)."""
    global _CACHED
    _CACHED = tuple(dict.fromkeys(_CACHED + classes))


def read_with_session(stamp: str | None, reachable: bool) -> None:
    """The stamp as the session's round trip read it (app/auth.py); None when the key is
    missing. Kept as read early only if the request has run no query yet. `reachable`:
    False when that round trip failed, so the request does not ask Redis again."""
    if not has_request_context():
        return
    environ = request.environ
    if not reachable:
        environ[_LATE] = ""
    elif not db.session.registry.has() or not db.session().in_transaction():
        # (No session yet means no query yet; asking would make one for a cached read.)
        environ[_EARLY] = stamp


def lookup(key: tuple, load: Callable[[], T], volatile: tuple[str, ...] = ()) -> T:
    """What `load()` returns (ORM objects, a list of them or None), from this process's
    copies when they carry the current stamp, else loaded and, when the stamp was read
    before the request's first query, copied for the next requests. The objects returned
    belong to the request's session either way. `volatile`: attributes that change
    without replacing the stamp (a system account's balance); on an object from the
    copies they are expired, so reading one loads it from the database."""
    stamp, early = _current_stamp()
    # A transaction that changed reference rows reads them itself (its own changes).
    if stamp is None or db.session.info.get(_PENDING):
        return load()
    entries = _entries_of(db.engine)
    with _lock:
        entry = entries.get(key)
    if entry is not None and entry[0] == stamp and time.monotonic() - entry[1] < TTL_SECONDS:
        return _merged(entry[2], volatile)
    value = load()
    # Not what this transaction changed itself (flushed, maybe never committed), nor a
    # miss (a made-up code or site id must not fill the cache).
    if early and value is not None and not db.session.info.get(_PENDING):
        copies = _copied(value)
        with _lock:
            if len(entries) >= MAX_ENTRIES:
                entries.clear()
            entries[key] = (stamp, time.monotonic(), copies)
    return value


def _entries_of(engine: Engine) -> dict:
    """This database's copies (a process may talk to more than one: tests, tools)."""
    entries = _entries.get(engine)
    if entries is None:
        with _lock:
            entries = _entries.setdefault(engine, {})
    return entries


def changed() -> None:
    """Once this transaction commits, every copy of every process is stale."""
    session = db.session()
    if not session.info.get(_PENDING):
        session.info[_PENDING] = True
        after_transaction(on_commit=_replace_stamp, on_rollback=_forget_pending)


def replace_stamp() -> None:
    """Make every process's copies stale now (`flask ops forget-reference-copies`)."""
    redis_client.set(STAMP_KEY, secrets.token_hex(8))


def _replace_stamp() -> None:
    db.session.info.pop(_PENDING, None)
    replace_stamp()


def _forget_pending() -> None:
    db.session.info.pop(_PENDING, None)


def _current_stamp() -> tuple[str | None, bool]:
    """(stamp, whether it was read before the request's first query); no stamp outside
    a request (a CLI command, a job, the scheduler: their app context may outlive many
    changes), so there everything is read from the database."""
    if not has_request_context():
        return None, False
    environ = request.environ
    if (stamp := environ.get(_EARLY)) is not None:
        return stamp, True
    late = environ.get(_LATE)
    if late is None:
        try:
            late = redis_client.get(STAMP_KEY)
            if late is None:  # lost or never set: start one (nothing carries it yet)
                redis_client.set(STAMP_KEY, secrets.token_hex(8), nx=True)
                late = redis_client.get(STAMP_KEY)
        except redis.RedisError:
            late = None
        environ[_LATE] = late or ""
    return late or None, False


def _copied(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return _copy(value)


def _copy(obj: Any) -> Any:
    """A detached copy of a loaded object's columns, attached to no session ever (so
    threads can share it); its relationships load on the merged object when asked for."""
    mapper = inspect(obj).mapper
    copy = mapper.class_(**{a.key: getattr(obj, a.key) for a in mapper.column_attrs})
    make_transient_to_detached(copy)
    return copy


def _merged(copies: Any, volatile: tuple[str, ...]) -> Any:
    if copies is None:
        return None
    if isinstance(copies, list):
        return [_merge(item, volatile) for item in copies]
    return _merge(copies, volatile)


def _merge(copy: Any, volatile: tuple[str, ...]) -> Any:
    """The session's own object for the copy's row: the one it holds already (loaded
    earlier in the request, maybe changed by it: merging would overwrite that), else the
    copy merged in without a query, its `volatile` attributes expired."""
    session = db.session()
    if (held := session.identity_map.get(inspect(copy).key)) is not None:
        return held
    merged = session.merge(copy, load=False)
    if volatile:
        session.expire(merged, volatile)
    return merged


@event.listens_for(Session, "before_flush")
def _notice_changes(session: Session, _context, _instances) -> None:
    if not _CACHED:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, _CACHED):
            changed()
            return
