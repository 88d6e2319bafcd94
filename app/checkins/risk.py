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
At `RISK_REVIEW_THRESHOLD` (50) or more the check-in goes to the review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
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
}


@dataclass(frozen=True)
class Risk:
    score: int
    reasons: tuple[str, ...]

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
    if carbon.count_recent_records(user_id, now - window) >= setting("RISK_VELOCITY_MAX"):
        reasons.append("velocity")
    burst = setting("RISK_SITE_BURST_USERS")
    if evidence_ref and carbon.count_evidence_users(evidence_ref, now - window, burst) >= burst:
        reasons.append("site_burst")
    if quantity_milli > 1000 and quantity_milli * 5 > daily_cap_milli * 4:
        reasons.append("large_quantity")
    if carbon.count_rejected_records(user_id, now - timedelta(days=30)) >= 2:
        reasons.append("recent_rejections")
    if declared_points is not None and declared_points > setting("DECLARED_AUTO_APPROVE_POINTS"):
        reasons.append("declared_quantity")
    return Risk(min(100, sum(WEIGHTS[r] for r in reasons)), tuple(reasons))
