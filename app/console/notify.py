"""Telling a resident that a check-in was not approved, by WeChat subscribe message.

`notify_checkin_rejected` is called by the check-ins service inside the rejecting
transaction. Only once that transaction commits is the notice queued (RQ, same queue as
the console's jobs), so a rolled-back rejection never notifies; the worker sends it,
retrying a few times if WeChat is down. The rejection itself never waits on WeChat.
"""

from __future__ import annotations

import logging

import redis
from flask import current_app
from rq import Retry

from app.after_commit import after_transaction
from app.carbon.models import CarbonRecord
from app.carbon.rules import SHANGHAI
from app.errors import NotFound
from app.ops.logs import current_request_id
from app.ops.telemetry import track_job
from app.users import service as users

log = logging.getLogger(__name__)
RECORDS_PAGE = "pages/records/index"
RETRY_INTERVALS = [10, 60, 300]


def _thing(text: str) -> dict:
    # WeChat's `thing` fields hold at most 20 characters.
    return {"value": (text or "-")[:20]}


def notify_checkin_rejected(record: CarbonRecord) -> None:
    """Queue, for after the commit, a "not approved" notice with the reason. Raises nothing;
    a resident without an openid (deleted account) is skipped."""
    try:
        openid = users.find_user(record.user_id).openid
    except NotFound:
        return
    if not openid:
        return
    decided = record.decided_at.astimezone(SHANGHAI) if record.decided_at else None
    notice = {
        "openid": openid,
        "template_id": current_app.config["WECHAT_TEMPLATE_CHECKIN_REVIEW"],
        "page": RECORDS_PAGE,
        "data": {
            "thing1": _thing(record.scenario.name),
            "phrase2": {"value": "未通过"},
            "thing3": _thing(record.decision_note or "不符合打卡要求"),
            "time4": {"value": f"{decided:%Y-%m-%d %H:%M}" if decided else ""},
        },
    }
    after_transaction(on_commit=lambda: _enqueue([notice]))


def _enqueue(notices: list[dict]) -> None:
    from app.console.jobs import KEEP_SECONDS, job_queue

    for notice in notices:
        try:
            job_queue().enqueue(
                "app.console.notify.send_notice",
                notice,
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                result_ttl=KEEP_SECONDS,
                failure_ttl=24 * KEEP_SECONDS,
                # The deciding request's id, for the worker's log lines (as jobs.py does).
                meta={"request_id": current_request_id()},
            )
        except redis.RedisError as exc:  # the decision stands; only the notice is lost
            log.warning("rejection notice to %s not queued: %s", notice["openid"][:6], exc)


def send_notice(notice: dict) -> dict:
    """Run by the RQ worker: send one subscribe message. Raises WeChatUnavailable (RQ
    retries the job)."""
    from app.console.jobs import _app_context
    from app.wechat import wechat

    with _app_context(), track_job("notice"):
        return wechat.send_subscribe_message(
            notice["openid"], notice["template_id"], notice["data"], page=notice["page"]
        )
