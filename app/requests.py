"""The request boundary: one commit per request, rollback on any error.

Services flush but never commit. A view that returns a 2xx/3xx answer has its unit of
work committed here; any error answer (or an exception) rolls it back, so nothing is ever
half-written. A failure of the commit itself is answered through the error handlers.

No cookie sessions: callers prove who they are with a bearer token (app/auth.py; the
consoles keep theirs in the browser's sessionStorage), so Flask's signed-cookie session,
which it would otherwise open (a serializer built, the cookie header parsed) and save on
every request, is never opened. Writing to `flask.session` raises.
"""

from __future__ import annotations

import os
import socket

from flask import Flask, Response
from flask.sessions import NullSession, SessionInterface
from werkzeug.routing import IntegerConverter

from app.extensions import db

HOSTNAME = socket.gethostname()


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` up to the largest 64-bit id: a longer number is simply not found (404)
    instead of overflowing the database driver (a 500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**63 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class NoCookieSession(NullSession):
    """The `flask.session` of every request: empty, and refusing writes with a message
    that says why (Flask's own blames a missing secret key)."""

    def _refuse(self, *args, **kwargs):
        raise RuntimeError("no cookie sessions here: callers authenticate with a bearer token")

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class NoCookieSessions(SessionInterface):
    """Never open a cookie session (module docstring); Flask then saves nothing either."""

    null_session_class = NoCookieSession

    def open_session(self, app: Flask, request) -> None:
        return None  # Flask falls back to make_null_session(): a NoCookieSession

    def save_session(self, app: Flask, session, response: Response) -> None:
        return None  # never called for a null session; nothing to save in any case


def install_request_boundary(app: Flask) -> None:
    """Install the request boundary: no cookie sessions, the bounded `int` converter, and
    one commit per request after it (rollback on an error answer)."""
    app.session_interface = NoCookieSessions()
    # Before any blueprint is registered: rules pick their converter when they are added.
    app.url_map.converters["int"] = BoundedIntConverter

    if app.config.get("SERVED_BY_HEADER"):

        @app.after_request
        def _served_by(response: Response) -> Response:
            # Which node and worker answered: shows how load spreads over workers and nodes
            # (scale-out tests, benchmarks). Off by default: host names and pids are no
            # business of the internet's.
            response.headers["X-Served-By"] = f"{HOSTNAME}:{os.getpid()}"
            return response

    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        if not db.session.registry.has():
            return response  # the request never touched the database (a cache hit)
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception as exc:  # the handlers decide: 503 for a lost database, 500 else
            db.session.rollback()
            return app.make_response(app.handle_user_exception(exc))
        return response
