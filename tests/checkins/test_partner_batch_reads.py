"""A partner batch reads what its events need once, not once per event (issue 13,
app/checkins/partner_reads.py), and answers each event as the single endpoint still."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event as sa_event

from app.campaigns import service as campaigns
from app.db import utcnow
from app.extensions import db
from tests.checkins.batch_support import (
    consent_to_trips,
    event,
    outcomes,
    post_batch,
    post_single,
)
from tests.helpers import statements_of

# The reads that used to be made for every event of a batch.
_PER_EVENT_READS = re.compile(
    r"^\s*SELECT .* FROM (users|carbon_consents|carbon_scenarios|carbon_methodology_versions"
    r"|campaigns|checkin_partner_bindings|checkin_partner_events)\b",
    re.I | re.S,
)


def _reads_of(app, client, partner, events) -> int:
    seen: list[str] = []

    def listen(_conn, _cursor, statement, *_args) -> None:
        if _PER_EVENT_READS.match(statement):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", listen)
    try:
        answer = post_batch(client, partner, events)
    finally:
        sa_event.remove(engine, "before_cursor_execute", listen)
    assert {code for _id, code, _reason in outcomes(answer)} == {201}
    return len(seen)


def test_a_batch_reads_residents_consents_and_scenarios_once(app, client, partner, consenting):
    _token, openid = consenting
    two = _reads_of(
        app,
        client,
        partner,
        [event(f"r{i}", openid, scenario="metro_km", quantity=1) for i in range(2)],
    )
    eight = _reads_of(
        app,
        client,
        partner,
        [event(f"s{i}", openid, scenario="metro_km", quantity=1) for i in range(8)],
    )
    assert eight == two


def test_a_campaign_pays_the_events_of_a_batch_that_happened_while_it_ran(
    app, client, partner, consenting
):
    _token, openid = consenting
    now = utcnow()
    with app.app_context():
        campaigns.create_campaign(
            name="早高峰绿色出行", scenarios=["bus_ride"], budget_points=1000, bonus_points=7,
            starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1),
        )  # fmt: skip
        db.session.commit()
    during, after = (now - timedelta(hours=2)).isoformat(), now.isoformat()
    both = [
        event("b-during", openid, occurred_at=during),
        event("b-after", openid, occurred_at=after),
    ]
    batch = post_batch(client, partner, both).get_json()["results"]
    singles = [
        post_single(client, partner, event("s-during", openid, occurred_at=during)).get_json(),
        post_single(client, partner, event("s-after", openid, occurred_at=after)).get_json(),
    ]
    assert [r["points"] for r in batch] == [s["points"] for s in singles]
    assert batch[0]["points"] == batch[1]["points"] + 7


def test_an_event_id_repeated_in_a_batch_answers_as_a_redelivery_whatever_it_says(
    client, partner, consenting
):
    # A redelivery is answered by its event_id alone (the first result, 200), as the
    # single endpoint answers it, even when its other fields would now be refused.
    _token, openid = consenting
    stale = (utcnow() - timedelta(days=30)).isoformat()
    first = event("twice", openid)
    again = [
        event("twice", "no-such-openid"),
        event("twice", openid, scenario="nope"),
        event("twice", openid, occurred_at=stale),
        {**first, "openid": None, "partner_user_id": "U-nobody"},
    ]
    batch = post_batch(client, partner, [first, *again]).get_json()["results"]
    singles = [post_single(client, partner, payload) for payload in again]
    assert [s.status_code for s in singles] == [200] * 4
    assert [(r["code"], r["reason"], r["record_id"]) for r in batch[1:]] == [
        (200, None, batch[0]["record_id"])
    ] * 4
    assert batch[0]["code"] == 201


def test_an_event_id_refused_earlier_in_a_batch_is_new_again(client, partner, consenting):
    # Refused before its claim (no such openid) or after it (the day's cap: its claim
    # rolled back with it), an event_id sent again in the batch is recorded as new.
    _token, openid = consenting
    events = [event(f"ride-{n}", openid) for n in range(4)] + [
        event("late", openid),  # bus_ride's fifth of the day: refused after its claim
        event("late", openid, scenario="metro_km", quantity=1),
        event("ghost", "no-such-openid"),
        event("ghost", openid, scenario="metro_km", quantity=1),
    ]
    assert [(code, reason) for _id, code, reason in outcomes(post_batch(client, partner, events))][
        4:
    ] == [(409, "daily_cap_reached"), (201, None), (404, "user_not_found"), (201, None)]


def test_a_batch_for_many_residents_writes_as_many_statements_for_two_or_eight(
    app, client, partner, login_resident
):
    # Claims, daily caps (each resident's counter is the batch's only event on it),
    # records, points and the events' record ids: each written for the whole batch at once.
    # (Reads: the issuance shards a batch posts to are read once a process, not counted.)
    openids = []
    for _ in range(8):
        token, _user, openid = login_resident()
        consent_to_trips(client, token)
        openids.append(openid)

    def writes(tag: str, residents: list[str]) -> int:
        events = [event(f"{tag}{n}", o, scenario="metro_km", quantity=1)
                  for n, o in enumerate(residents)]  # fmt: skip
        with app.app_context():
            sent = statements_of(lambda: outcomes(post_batch(client, partner, events)))
        return len([s for s in sent if s.lstrip().startswith(("INSERT", "UPDATE", "DELETE"))])

    writes("warm", openids)  # every account and lot of this expiry exists from here
    assert writes("eight", openids) == writes("two", openids[:2])


def test_what_a_batch_writes_for_each_event_is_its_cap(app, client, partner, consenting):
    # The claims, the records, their points (transactions, entries, lots) and the events'
    # record ids are written for the whole batch at once (app/checkins/partner_settle.py):
    # six more events of one resident on one counter cost six statements, the daily cap
    # of each, taken one by one in the order sent.
    _token, openid = consenting

    def statements(tag: str, n: int) -> int:
        events = [event(f"{tag}{i}", openid, scenario="metro_km", quantity=1) for i in range(n)]
        with app.app_context():
            sent = statements_of(lambda: outcomes(post_batch(client, partner, events)))
        return len(sent)

    statements("warm", 1)  # the resident's account and lot of this expiry exist from here
    assert statements("eight", 8) - statements("two", 2) == 6
