"""Cached answers of GET views: the body of a 200, kept in Redis under a generation
(app/cache.py) and sent again as it is, read with the caller's session in one round trip.

`@cached_answer(generation, ttl_seconds, per_user=...)` goes right under the auth decorator
and above flask-smorest's `arguments` / `response`: a hit is answered without parsing the
query, calling the service or dumping a schema (most of what a cached read cost); a miss
runs the view and keeps its body if it answered 200. The auth decorator reads the value
together with the session (app/auth.py READ_WITH_SESSION), after which the role check
runs as for any view, so a hit is only ever sent to a caller the view admits.

The key is `answer:<endpoint>:<user id, for a per-user answer>:<digest of the path
arguments and, for a view with query arguments, the raw query string>`. The raw query
string, not the parsed arguments: only a query that was answered 200 ever has a value, and
the same query always parses the same way, so a query the schema refuses (422, an unknown
parameter) is never answered from here. A view without query arguments ignores the query
string, and so does its key (else every made-up `?x=` would be one more value to keep). A
per-user answer (my account) is read for the user the session names and its key carries
that id; a shared one (the offer list) is the same for every caller.

What invalidates an answer is its generation, bumped after every commit that changes what
it shows (app/cache.py), exactly as for the service-level caches this replaces; a TTL
bounds what an outage of Redis can leave behind. Without Redis the view simply runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, request

from app import cache
from app.auth import current_principal, read_with_session, take_session_read

PREFIX = "answer:"
JSON = "application/json"  # what flask-smorest's answers are sent as (Flask's jsonify)


@dataclass(frozen=True)
class _Answer:
    generation: str
    ttl_seconds: int
    per_user: bool
    reads_query: bool

    def keys(self) -> tuple[str, str]:
        """(generation key, value key) for this request; OWNER stands for the caller."""
        req = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
        raw = req.query_string if self.reads_query else b""
        if req.view_args:
            path_args = json.dumps(req.view_args, sort_keys=True, default=str)
            raw = path_args.encode() + b"?" + raw
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest() if raw else ""
        owner = cache.OWNER if self.per_user else ""
        return self.generation, f"{PREFIX}{req.endpoint}:{owner}:{digest}"


def _reads_query(view: Callable) -> bool:
    """Whether the view parses query arguments (flask-smorest records each `arguments`
    location in the view's `_apidoc`)."""
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(isinstance(p, dict) and p.get("in") == "query" for p in parameters)


def cached_answer(generation: str, ttl_seconds: int, *, per_user: bool) -> Callable:
    """Cache a GET view's 200 answer under the generation key `generation` (with
    app/cache.py OWNER in it for a per-user generation) for at most `ttl_seconds`.

    `per_user`: the answer depends on who asks (it is kept per user id); the view must be
    behind an auth decorator. Without it the answer is shared by every caller the auth
    decorator admits. The view reads its query through `blp.arguments` (below this
    decorator), if at all: that is how the key knows to include the query string."""
    if cache.OWNER in generation and not per_user:
        raise ValueError("a per-user generation needs a per-user answer")

    def decorator(view: Callable) -> Callable:
        answer = _Answer(generation, ttl_seconds, per_user, _reads_query(view))

        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            read = take_session_read()
            if read is not None and read[1] is not None:  # the common case: a hit
                return Response(read[1], mimetype=JSON)
            generation_key, value_key = answer.keys()
            if per_user:
                owner = str(current_principal().user_id)
                generation_key = generation_key.replace(cache.OWNER, owner)
                value_key = value_key.replace(cache.OWNER, owner)
            if read is None:  # not read with the session (one loaded from the database)
                read = cache.read(generation_key, value_key)
            current_generation, body = read
            if body is not None:
                return Response(body, mimetype=JSON)
            response = view(*args, **kwargs)
            if isinstance(response, Response) and response.status_code == 200:
                body = response.get_data(as_text=True)
                cache.write(value_key, current_generation, body, ttl_seconds)
            return response

        return read_with_session(answer.keys)(wrapper)

    return decorator
