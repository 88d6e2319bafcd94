"""Telling a resident that a check-in was not approved, by WeChat subscribe message.

`notify_checkin_rejected` is called by the check-ins service inside the rejecting
transaction; app/notices.py queues the notice once that transaction commits and the
worker sends it, retrying a few times if WeChat is down.
"""

from __future__ import annotations

from flask import current_app

from app.carbon.models import CarbonRecord
from app.clock import SHANGHAI
from app.errors import NotFound
from app.notices import notify_after_commit, thing
from app.users import service as users

RECORDS_PAGE = "pages/records/index"


def notify_checkin_rejected(record: CarbonRecord) -> None:
    """Queue, for after the commit, a "not approved" notice with the reason. Raises nothing;
    a resident without an openid (deleted account) is skipped."""
    try:
        openid = users.find_user(record.user_id).openid
    except NotFound:
        return
    decided = record.decided_at.astimezone(SHANGHAI) if record.decided_at else None
    data = {
        "thing1": thing(record.scenario.name),
        "phrase2": {"value": "未通过"},
        "thing3": thing(record.decision_note or "不符合打卡要求"),
        "time4": {"value": f"{decided:%Y-%m-%d %H:%M}" if decided else ""},
    }
    notify_after_commit(
        openid, current_app.config["WECHAT_TEMPLATE_CHECKIN_REVIEW"], data, RECORDS_PAGE
    )
