"""Check-in errors shared by the evidence paths (QR, photo, partner)."""

from __future__ import annotations

from app.errors import Conflict, Unprocessable


class EvidenceNotAccepted(Unprocessable):
    reason, message = "evidence_not_accepted", "该场景不接受这种打卡凭证"


class ScenarioInactive(Conflict):
    reason, message = "scenario_inactive", "该场景暂未开放打卡"
