"""A simple, explainable risk score for a check-in (0..100; high means "let a person look").

Signals, each with a fixed weight:
- `new_account`: the account is less than a day old (+20)
- `velocity`: already `RISK_VELOCITY_MAX` or more records in the last 10 minutes (+40)
- `site_burst`: `RISK_SITE_BURST_USERS` or more residents scanned this site in the last
  10 minutes, the pattern of a QR photo shared in a chat group (+40)
- `large_quantity`: one check-in claims more than one unit and more than 80 % of the
  daily cap, e.g. 18 kg of clothes at once (+20)
- `recent_rejections`: two or more of the resident's records were rejected in 30 days (+30)
- `declared_quantity`: the resident typed the quantity alone (no site or station measured
  it) and it earns more than `DECLARED_AUTO_APPROVE_POINTS` (+100: always reviewed)
WeRun days are scored on the resident's daily series instead (app/checkins/werun_risk.py):
- `werun_jump`: the day is several times the resident's own 30-day median (+50)
- `werun_repeated`: the same total as on two or more other days of the last 30 (+50)
- `werun_shared_series`: another account synced the very same seven days before (+60)
- `werun_round`: a round total (a multiple of 1,000), as step-faking tools type (+30)
- `werun_campaign_spike`: a spike in a campaign's last days, when the bonus is near (+30)
- `recent_rejections` as above (+30)
At `RISK_REVIEW_THRESHOLD` (50) or more the check-in (or WeRun day) waits for an operator,
who reads the explanation of each reason (`explain`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.carbon import service as carbon
from app.checkins.settings import setting

WEIGHTS = {
    "new_account": 20,
    "velocity": 40,
    "site_burst": 40,
    "large_quantity": 20,
    "recent_rejections": 30,
    "declared_quantity": 100,
    "werun_jump": 50,
    "werun_repeated": 50,
    "werun_shared_series": 60,
    "werun_round": 30,
    "werun_campaign_spike": 30,
}

# What an operator reads for a reason when the record carries no note of its own.
EXPLANATIONS = {
    "new_account": "账号注册不足 1 天",
    "velocity": "该居民 10 分钟内已有多条打卡记录",
    "site_burst": "10 分钟内大量居民在同一点位打卡，疑似点位二维码照片被转发",
    "large_quantity": "一次申报的数量超过该场景每日上限的 80%",
    "recent_rejections": "该居民近 30 天内已有 2 条以上打卡被驳回",
    "werun_jump": "当天步数远高于该居民近 30 天的日常水平，可能使用了摇步器或甩手机刷步",
    "werun_repeated": "当天步数与近 30 天内其他几天的步数完全相同，真实步行很少如此",
    "werun_shared_series": "该居民近 7 天的每日步数与另一账号完全相同，疑似多个账号共用一台设备",
    "werun_round": "当天步数是整千的整数，常见于修改步数的工具",
    "werun_campaign_spike": "活动临近结束时步数突然大增，疑似为拿活动奖励刷步",
    "declared_quantity": "数量由居民自行填写（点位没有称重或固定计量），积分超过自动发放的小额上限",
}


@dataclass(frozen=True)
class Risk:
    score: int
    reasons: tuple[str, ...]
    # Reason -> the specifics an operator reads (only where a rule has some to tell).
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return self.score >= setting("RISK_REVIEW_THRESHOLD")


def score_checkin(
    *,
    user_id: int,
    account_created_at: datetime,
    quantity_milli: int,
    daily_cap_milli: int,
    evidence_ref: str | None,
    now: datetime,
    declared_points: int | None = None,
) -> Risk:
    """Score one check-in from the resident's recent history (reads only).

    `declared_points`: the base points of a quantity the resident typed alone, else None.
    """
    window = timedelta(seconds=setting("RISK_VELOCITY_WINDOW_SECONDS"))
    reasons = []
    if now - account_created_at < timedelta(days=1):
        reasons.append("new_account")
    burst = setting("RISK_SITE_BURST_USERS")
    counts = carbon.count_for_risk(
        user_id, recent_since=now - window, rejected_since=now - timedelta(days=30),
        evidence_ref=evidence_ref or None, evidence_at_most=burst,
    )  # fmt: skip
    if counts.recent >= setting("RISK_VELOCITY_MAX"):
        reasons.append("velocity")
    if evidence_ref and counts.evidence_users >= burst:
        reasons.append("site_burst")
    if quantity_milli > 1000 and quantity_milli * 5 > daily_cap_milli * 4:
        reasons.append("large_quantity")
    if counts.rejected >= 2:
        reasons.append("recent_rejections")
    if declared_points is not None and declared_points > setting("DECLARED_AUTO_APPROVE_POINTS"):
        reasons.append("declared_quantity")
    return Risk(score_of(reasons), tuple(reasons))


def score_of(reasons: list[str]) -> int:
    """The score of a set of reasons: their weights added, at most 100."""
    return min(100, sum(WEIGHTS[r] for r in reasons))


def explain(reasons: list[str], notes: dict[str, str] | None) -> list[dict]:
    """Each reason with its weight and the Chinese text an operator reads about it."""
    notes = notes or {}
    return [
        {"reason": r, "weight": WEIGHTS.get(r, 0), "text": notes.get(r) or EXPLANATIONS.get(r, r)}
        for r in reasons
    ]
