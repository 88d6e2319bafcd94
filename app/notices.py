"""WeChat subscribe messages to residents, sent by the RQ worker once the transaction that
decided them commits (a rolled-back decision never notifies; the decision never waits on
WeChat). Infrastructure below the domains: a domain builds the notice, this sends it.
"""

from __future__ import annotations

import logging

import redis
from rq import Retry

from app.after_commit import after_transaction
from app.jobs import KEEP_SECONDS, app_context, job_queue
from app.ops.logs import current_request_id
from app.ops.telemetry import track_job

log = logging.getLogger(__name__)
RETRY_INTERVALS = [10, 60, 300]


def thing(text: str) -> dict:
    """A `thing` field of a subscribe message (WeChat allows at most 20 characters)."""
    return {"value": (text or "-")[:20]}


def notify_after_commit(openid: str | None, template_id: str, data: dict, page: str) -> None:
    """Queue one notice for after the commit; nothing for a resident without an openid
    (a deleted account). Raises nothing."""
    if not openid:
        return
    notice = {"openid": openid, "template_id": template_id, "page": page, "data": data}
    after_transaction(on_commit=lambda: _enqueue(notice))


def _enqueue(notice: dict) -> None:
    try:
        job_queue().enqueue(
            "app.notices.send_notice",
            notice,
            # The deciding request's id, for the worker's log lines (as app/jobs.py does).
            meta={"request_id": current_request_id()},
            retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            result_ttl=KEEP_SECONDS,
            failure_ttl=24 * KEEP_SECONDS,
        )
    except redis.RedisError as exc:  # the decision stands; only the notice is lost
        log.warning("notice to %s not queued: %s", notice["openid"][:6], exc)


def send_notice(notice: dict) -> dict:
    """Run by the RQ worker: send one subscribe message. Raises WeChatUnavailable (RQ
    retries the job)."""
    from app.wechat import wechat

    with app_context(), track_job("notice"):
        return wechat.send_subscribe_message(
            notice["openid"], notice["template_id"], notice["data"], page=notice["page"]
        )
