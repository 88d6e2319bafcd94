"""What recording a partner event reads before it writes: asked one event at a time
(`EventReads`, the single endpoint: a query per question) or answered for a whole batch
from a few queries made once (`BatchReads`, app/checkins/partner_batches.py).

The reads only decide what to refuse early and what to write. What makes an event count
once stays where it was: the unique (partner, event_id) claim, the day counter's
conditional upsert, the ledger's unique reference, a campaign's conditional claims. A
batch reads after it holds its locks (the batches' lock, its partner's row): no binding
of its partner can commit meanwhile, and on SQLite no write at all; on PostgreSQL a
freeze or a consent withdrawn while the batch runs applies from the next request, as for
any write already running when it commits (docs/decisions/0941, 1005).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import suppress
from datetime import datetime

from sqlalchemy import select

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.carbon.models import MethodologyVersion, Scenario
from app.checkins.models import Partner, PartnerBinding, PartnerEvent
from app.extensions import db
from app.sql import in_values
from app.users import service as users


class EventReads:
    """One query per question: what `record_partner_event` asks for a single event."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    def seen(self, event_id: str) -> PartnerEvent | None:
        """The event already recorded with this id, or None."""
        return db.session.scalar(
            select(PartnerEvent).where(
                PartnerEvent.partner_id == self.partner.id, PartnerEvent.event_id == event_id
            )
        )

    def scenario(self, code: str) -> Scenario:
        """Raises ScenarioNotFound."""
        return carbon.get_scenario(code)

    def resident(self, openid: str) -> int | None:
        """The live resident with this openid, or None."""
        return users.residents_by_openid({openid}).get(openid)

    def bound_user(self, partner_user_id: str) -> int | None:
        """The resident who bound this partner account, or None."""
        return db.session.scalar(
            select(PartnerBinding.user_id).where(
                PartnerBinding.partner_id == self.partner.id,
                PartnerBinding.partner_user_id == partner_user_id,
            )
        )

    def require_not_frozen(self, user_id: int) -> None:
        """Raises AccountFrozen (403 `account_frozen`)."""
        users.require_not_frozen(user_id)

    def has_consent(self, user_id: int, scenario: Scenario) -> bool:
        return carbon.has_consent(user_id, scenario.id)

    def version(self, scenario: Scenario, at: datetime) -> MethodologyVersion:
        """The methodology version in force at `at`. Raises ScenarioNotFound."""
        return carbon.current_version(scenario.id, at)

    def live_campaigns(self, scenario: Scenario, at: datetime) -> list[campaigns.Campaign]:
        return campaigns.live_for(scenario.code, at)


class BatchReads(EventReads):
    """The same answers for the events of one batch (validated fields, in order), read
    with one query per kind (a few per scenario) instead of about eight per event."""

    def __init__(self, partner: Partner, events: list[dict]) -> None:
        super().__init__(partner)
        self._seen = {
            event.event_id: event
            for event in db.session.scalars(
                select(PartnerEvent).where(
                    PartnerEvent.partner_id == partner.id,
                    in_values(PartnerEvent.event_id, {e["event_id"] for e in events}),
                )
            )
        }
        self._asked: set[str] = set()
        openids = {e["openid"] for e in events if e.get("openid")}
        self._residents = users.residents_by_openid(openids)
        wanted = {e["partner_user_id"] for e in events if e.get("partner_user_id")}
        self._bound: dict[str, int] = {}
        if wanted:
            rows = db.session.execute(
                select(PartnerBinding.partner_user_id, PartnerBinding.user_id).where(
                    PartnerBinding.partner_id == partner.id,
                    in_values(PartnerBinding.partner_user_id, wanted),
                )
            )
            self._bound = {row.partner_user_id: row.user_id for row in rows}
        user_ids = set(self._residents.values()) | set(self._bound.values())
        self._frozen = users.frozen_since(user_ids)
        self._scenarios: dict[str, Scenario] = {}
        for code in {e["scenario"] for e in events}:
            # One that is not found is each of its events' refusal (`scenario` below).
            with suppress(carbon.ScenarioNotFound):
                self._scenarios[code] = carbon.get_scenario(code)
        scenario_ids = {s.id for s in self._scenarios.values()}
        self._consents = carbon.consented_pairs(user_ids, scenario_ids)
        self._versions = {s.id: carbon.version_history(s.id) for s in self._scenarios.values()}
        moments: dict[str, list[datetime]] = defaultdict(list)
        for e in events:
            moments[e["scenario"]].append(e["occurred_at"])
        self._campaigns = {
            code: campaigns.live_within(code, min(moments[code]), max(moments[code]))
            for code in self._scenarios
        }

    def seen(self, event_id: str) -> PartnerEvent | None:
        # An id asked again (earlier in this batch) is read again: its first event's row,
        # unless that one was refused (its claim taken back). A redelivery is answered
        # before anything else is checked, as the single endpoint answers it.
        if event_id in self._asked:
            return super().seen(event_id)
        self._asked.add(event_id)
        return self._seen.get(event_id)

    def scenario(self, code: str) -> Scenario:
        if (scenario := self._scenarios.get(code)) is None:
            raise carbon.ScenarioNotFound()
        return scenario

    def resident(self, openid: str) -> int | None:
        return self._residents.get(openid)

    def bound_user(self, partner_user_id: str) -> int | None:
        return self._bound.get(partner_user_id)

    def require_not_frozen(self, user_id: int) -> None:
        if (frozen_at := self._frozen.get(user_id)) is not None:
            raise users.AccountFrozen(frozen_at=frozen_at.isoformat())

    def has_consent(self, user_id: int, scenario: Scenario) -> bool:
        return (user_id, scenario.id) in self._consents

    def version(self, scenario: Scenario, at: datetime) -> MethodologyVersion:
        return carbon.version_at(self._versions[scenario.id], at)

    def live_campaigns(self, scenario: Scenario, at: datetime) -> list[campaigns.Campaign]:
        return campaigns.live_at(self._campaigns[scenario.code], at)
