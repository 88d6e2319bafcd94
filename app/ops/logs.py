"""Log lines, in text (the default, `make run`) or JSON (`TPH_LOG_FORMAT=json`, one object
a line for a log shipper), each carrying the request id.

The request id lives in a context variable, set for the length of a request (app/ops/
telemetry.py) or of a job in the worker (from the job's meta, so a job's lines carry the id
of the request that queued it). A log record factory copies it onto every record, so
every handler (ours, pytest's, Sentry's) sees `record.request_id`, whichever logger wrote
it; "-" outside of both.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
JSON_RENAMES = {"asctime": "time", "levelname": "level", "name": "logger"}

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_factory_installed = False


def current_request_id() -> str | None:
    """The id of the request (or of the request that queued the running job), else None."""
    return _request_id.get()


@contextmanager
def request_id_context(request_id: str | None) -> Iterator[None]:
    """Log with `request_id` until the block ends."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def set_request_id(request_id: str | None):
    """Set the id for what follows; returns the token `reset_request_id` takes."""
    return _request_id.set(request_id)


def reset_request_id(token) -> None:
    """Restore the request id that was current before `set_request_id` returned `token`."""
    _request_id.reset(token)


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get() or "-"
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for `text` or `json` (also used by deploy/gunicorn.conf.py)."""
    if log_format == "json":
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, json_ensure_ascii=False)
    return logging.Formatter(TEXT_FORMAT)


class _Handler(logging.StreamHandler):
    """Ours: replaced, never stacked, when another app is created in the same process.
    Writes to whatever sys.stderr is at the time (as logging.lastResort does), not to the
    stream of the moment it was made (a test runner swaps and closes those)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(app: Flask) -> None:
    """One handler on the root logger (stderr) in the configured format and level."""
    _install_record_factory()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
