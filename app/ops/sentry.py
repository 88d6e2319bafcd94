"""Error reports to Sentry, only when `SENTRY_DSN` (or `TPH_SENTRY_DSN`) is set.

sentry-sdk with its Flask, RQ and SQLAlchemy integrations: an unhandled error in a
request (the 500 handler logs it with its traceback, and the logging integration makes
every ERROR line an event), a failed job in the worker, with the SQL breadcrumbs that led
to it. Each event carries the request id as a tag (also a job's: the id of the request
that queued it), so a report leads to the log lines of the same request. No personal
data is sent (`send_default_pii` off: no cookies, headers with tokens or user IPs), and
tracing is off unless `TPH_SENTRY_TRACES_SAMPLE_RATE` is above 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask

from app.ops.logs import current_request_id

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

_initialised_with: str | None = None


def _tag_request_id(event: Event, _hint: Hint) -> Event | None:
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    return event


def init_sentry(app: Flask) -> bool:
    """Start the Sentry client for this process if a DSN is configured (once per process:
    the client is process-wide). Returns whether Sentry is on."""
    global _initialised_with
    dsn = app.config["SENTRY_DSN"]
    if not dsn:
        return False
    if _initialised_with == dsn:
        return True
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["SENTRY_ENVIRONMENT"] or app.config["ENV_NAME"],
        integrations=[FlaskIntegration(), RqIntegration(), SqlalchemyIntegration()],
        traces_sample_rate=app.config["SENTRY_TRACES_SAMPLE_RATE"],
        send_default_pii=False,
        before_send=_tag_request_id,
    )
    _initialised_with = dsn
    return True
