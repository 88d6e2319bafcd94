"""Partner event batches (`POST /partner/events/batch`, decision 1005): each event answered
as the single endpoint would answer it, refused events taking only themselves back, a
replayed batch answering repeats, the batch's own limits and signature; the one transaction
failing as a whole: test_partner_batch_rollback.py."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.checkins.models import PartnerDelivery, PartnerEvent
from app.db import utcnow
from app.extensions import db
from app.ledger.models import LedgerTransaction
from tests.checkins.batch_support import (
    BATCH,
    consent_to_trips,
    count,
    event,
    outcomes,
    post_batch,
    post_raw,
    post_single,
)
from tests.checkins.support import account, signed_headers
from tests.helpers import bearer
from tests.mall.factories import assert_ledger_clean


def test_mixed_batch_answers_each_event_as_the_single_endpoint(client, partner, consenting):
    token, openid = consenting
    delivered = post_single(client, partner, event("before", openid))  # an earlier delivery
    assert delivered.status_code == 201
    stale = (utcnow() - timedelta(days=30)).isoformat()
    events = [
        event("ride-1", openid),
        event("before", openid),  # seen in an earlier request
        event("ride-1", openid),  # seen earlier in this batch
        event("ghost", "no-such-openid"),
        event("ride-2", openid),
        event("ride-3", openid),
        event("ride-4", openid),  # bus_ride: 4 a day, "before" was the first
        event("old", openid, occurred_at=stale),
        event("clothes", openid, scenario="old_clothes"),
        event("nope", openid, scenario="nope"),
        {"event_id": "bad", "openid": openid, "scenario": "bus_ride", "colour": "red"},
        {**event("held", openid), "openid": None, "partner_user_id": "U-77"},
        event("m-1", openid, scenario="metro_km", quantity=12.5),
    ]
    response = post_batch(client, partner, events)
    assert outcomes(response) == [
        ("ride-1", 201, None),
        ("before", 200, None),
        ("ride-1", 200, None),
        ("ghost", 404, "user_not_found"),
        ("ride-2", 201, None),
        ("ride-3", 201, None),
        ("ride-4", 409, "daily_cap_reached"),
        ("old", 422, "invalid_occurred_at"),
        ("clothes", 403, "scenario_not_allowed"),
        ("nope", 404, "scenario_not_found"),
        ("bad", 422, "validation_error"),
        ("held", 202, None),
        ("m-1", 201, None),
    ]
    body = response.get_json()
    results = body["results"]
    assert [r["index"] for r in results] == list(range(len(events)))
    assert body["counts"] == {"credited": 4, "held": 1, "duplicate": 2, "refused": 6}
    first, again = results[0], results[2]
    assert (first["status"], first["points"], first["carbon_g"], first["duplicate"]) == (
        "approved", 10, 80.0, False,
    )  # fmt: skip
    assert again["duplicate"] is True and again["record_id"] == first["record_id"]
    assert results[1]["record_id"] == delivered.get_json()["record_id"]
    assert results[10]["errors"] == {"colour": ["不允许的字段"], "quantity": ["缺少必填字段"],
                                     "occurred_at": ["缺少必填字段"]}  # fmt: skip
    assert results[11]["status"] == "held" and results[11]["held_until"]
    assert (results[12]["carbon_g"], results[12]["points"]) == (583.75, 72)
    assert results[3]["message"] == "用户不存在"
    # 10 (before) + 3 rides + 72 (metro): the refused events took nothing with them.
    assert account(client, token)["points_balance"] == 112


def test_refused_events_leave_nothing_behind(app, client, partner, consenting):
    token, openid = consenting
    rides = [event(f"ride-{n}", openid) for n in range(6)]  # 4 a day: two are refused
    assert [c for _, c, _ in outcomes(post_batch(client, partner, rides))] == [201] * 4 + [409] * 2
    with app.app_context():
        kept = set(db.session.scalars(select(PartnerEvent.event_id)))
    assert kept == {"ride-0", "ride-1", "ride-2", "ride-3"}
    # The capped event's claim was rolled back with it: sent again it is refused again,
    # not answered as a repeat of something never credited.
    again = post_single(client, partner, rides[4])
    assert (again.status_code, again.get_json()["reason"]) == (409, "daily_cap_reached")
    assert account(client, token)["points_balance"] == 40
    assert_ledger_clean(app)


def test_an_event_id_the_cap_refused_is_decided_anew_in_its_place(app, client, partner,
                                                                  consenting):  # fmt: skip
    # metro_km: 60 km a day. The second "m-b" is a new event (its first was refused and
    # left nothing), decided where it was sent: before "m-c", which then overshoots.
    token, openid = consenting
    trips = [("m-a", 50), ("m-b", 20), ("m-b", 8), ("m-c", 5)]
    events = [event(eid, openid, scenario="metro_km", quantity=km) for eid, km in trips]
    assert outcomes(post_batch(client, partner, events)) == [
        ("m-a", 201, None), ("m-b", 409, "daily_cap_reached"), ("m-b", 201, None),
        ("m-c", 409, "daily_cap_reached"),
    ]  # fmt: skip
    with app.app_context():
        rows = db.session.execute(select(PartnerEvent.event_id, PartnerEvent.quantity_milli))
        kept = {event_id: quantity for event_id, quantity in rows}
    assert kept == {"m-a": 50_000, "m-b": 8_000}
    assert account(client, token)["carbon_total_g"] == 2708.6  # 58 km x 46.7 g
    assert_ledger_clean(app)


def test_caps_taken_together_refuse_exactly_who_is_over(app, client, partner, consenting,
                                                        login_resident):  # fmt: skip
    # Each resident's counter is named once in the batch: the caps are taken in one
    # statement, each still refused when it would overshoot (metro_km: 60 km a day).
    token_a, a = consenting
    first = post_batch(client, partner, [event("a-0", a, scenario="metro_km", quantity=58)])
    assert outcomes(first) == [("a-0", 201, None)]
    token_b, _user, b = login_resident()
    token_c, _user, c = login_resident()
    for token in (token_b, token_c):
        consent_to_trips(client, token)
    trips = [("a-1", a, 5), ("b-1", b, 60), ("c-1", c, 61)]
    events = [event(eid, o, scenario="metro_km", quantity=km) for eid, o, km in trips]
    assert outcomes(post_batch(client, partner, events)) == [
        ("a-1", 409, "daily_cap_reached"), ("b-1", 201, None), ("c-1", 409, "daily_cap_reached"),
    ]  # fmt: skip
    with app.app_context():
        kept = set(db.session.scalars(select(PartnerEvent.event_id)))
    assert kept == {"a-0", "b-1"}
    assert account(client, token_a)["carbon_total_g"] == 2708.6  # 58 km x 46.7 g
    assert account(client, token_b)["carbon_total_g"] == 2802.0
    assert account(client, token_c)["points_balance"] == 0
    # Refused events took their claims back: sent again, each is decided again.
    again = post_batch(client, partner, [event("a-1", a, scenario="metro_km", quantity=2)])
    assert outcomes(again) == [("a-1", 201, None)]
    assert_ledger_clean(app)


def test_refusals_match_the_single_endpoint(client, partner, consenting, resident):
    _token, openid = consenting
    stale = (utcnow() - timedelta(days=30)).isoformat()
    cases = [
        event("a", openid, scenario="old_clothes"),
        event("b", "no-such-openid"),
        event("c", openid, scenario="nope"),
        event("d", openid, occurred_at=stale),
        event("e", openid, quantity=-1),
        {"event_id": "f"},
        {"event_id": "g", "openid": openid, "partner_user_id": "U-1", "scenario": "bus_ride",
         "quantity": 1, "occurred_at": utcnow().isoformat()},
    ]  # fmt: skip
    singles = []
    for payload in cases:
        answer = post_single(client, partner, payload)
        singles.append((payload["event_id"], answer.status_code, answer.get_json()["reason"],
                        answer.get_json().get("errors")))  # fmt: skip
    batch = post_batch(client, partner, cases).get_json()["results"]
    assert [(r["event_id"], r["code"], r["reason"], r["errors"]) for r in batch] == singles
    assert all(code >= 400 for _, code, _, _ in singles)


def test_events_that_are_not_objects(client, partner, consenting):
    _token, openid = consenting
    response = post_batch(client, partner, [42, "ride", None, [], event("ok", openid)])
    results = response.get_json()["results"]
    assert [(r["index"], r["event_id"], r["code"], r["reason"]) for r in results] == [
        (0, None, 422, "validation_error"),
        (1, None, 422, "validation_error"),
        (2, None, 422, "validation_error"),
        (3, None, 422, "validation_error"),
        (4, "ok", 201, None),
    ]


def test_a_replayed_batch_answers_repeats(app, client, partner, consenting):
    token, openid = consenting
    events = [event("r-1", openid), event("r-2", openid), event("x", "no-such-openid")]
    first = post_batch(client, partner, events)
    again = post_batch(client, partner, events)  # a retry: new nonce, the same events
    assert outcomes(first) == [("r-1", 201, None), ("r-2", 201, None),
                               ("x", 404, "user_not_found")]  # fmt: skip
    assert outcomes(again) == [("r-1", 200, None), ("r-2", 200, None),
                               ("x", 404, "user_not_found")]  # fmt: skip
    firsts, repeats = first.get_json()["results"], again.get_json()["results"]
    assert [r["record_id"] for r in repeats] == [r["record_id"] for r in firsts]
    assert [r["points"] for r in repeats] == [10, 10, 0]
    assert again.get_json()["counts"] == {"credited": 0, "held": 0, "duplicate": 2, "refused": 1}
    assert account(client, token)["points_balance"] == 20
    with app.app_context():
        references = db.session.scalars(select(LedgerTransaction.reference)).all()
    assert sorted(references) == ["partner:city-bus:r-1", "partner:city-bus:r-2"]

    body = json.dumps({"events": [event("r-3", openid)]}).encode()
    sent = post_raw(client, partner, body, nonce="batch-nonce-1")
    replayed = post_raw(client, partner, body, nonce="batch-nonce-1")
    assert sent.status_code == 200
    assert (replayed.status_code, replayed.get_json()["reason"]) == (401, "nonce_reused")


def test_malformed_batches_are_one_clear_422(app, client, partner, consenting):
    _token, openid = consenting
    too_many = [event(f"e-{n}", openid) for n in range(501)]
    cases = [
        (json.dumps({"events": []}), "batch_empty"),
        (json.dumps({"events": too_many}), "batch_too_large"),
        (json.dumps({"events": event("one", openid)}), "validation_error"),
        (json.dumps({"events": "ride"}), "validation_error"),
        (json.dumps({}), "validation_error"),
        (json.dumps([event("one", openid)]), "validation_error"),
        (json.dumps({"events": [event("one", openid)], "partner": "x"}), "validation_error"),
    ]
    for body, reason in cases:
        response = post_raw(client, partner, body.encode())
        assert (response.status_code, response.get_json()["reason"]) == (422, reason), body
    too_large = post_raw(client, partner, cases[1][0].encode()).get_json()
    assert too_large["message"] == "每批最多 500 个事件，请分批上报"
    assert count(app, PartnerEvent) == 0


def test_five_hundred_events_is_the_limit(client, partner, consenting):
    # Refused ones are cheap: the limit itself is what is tested.
    events = [event(f"e-{n}", f"nobody-{n}") for n in range(500)]
    response = post_batch(client, partner, events)
    assert response.status_code == 200
    assert response.get_json()["counts"] == {"credited": 0, "held": 0, "duplicate": 0,
                                             "refused": 500}  # fmt: skip


def test_the_signature_covers_the_whole_batch(app, client, partner, consenting):
    code, secret = partner
    token, openid = consenting
    body = json.dumps({"events": [event("s-1", openid), event("s-2", openid)]}).encode()
    headers = signed_headers(code, secret, body)
    altered = body.replace(b'"s-2"', b'"s-3"')
    cases = [
        (client.post(BATCH, data=altered, headers=headers), "invalid_signature"),
        (post_raw(client, (code, "not-the-secret"), body), "invalid_signature"),
        (post_raw(client, ("who-knows", secret), body), "unknown_partner"),
        (client.post(BATCH, data=body, headers={"Content-Type": "application/json"}),
         "unknown_partner"),
        (post_raw(client, partner, body, timestamp=int(utcnow().timestamp()) - 301),
         "timestamp_out_of_window"),
    ]  # fmt: skip
    for response, reason in cases:
        assert (response.status_code, response.get_json()["reason"]) == (401, reason)
    assert count(app, PartnerEvent) == 0
    assert account(client, token)["points_balance"] == 0
    assert outcomes(client.post(BATCH, data=body, headers=headers)) == [
        ("s-1", 201, None), ("s-2", 201, None),
    ]  # fmt: skip


def test_delivery_log_has_a_line_per_event(app, client, partner, consenting, op_token):
    _token, openid = consenting
    post_batch(client, partner, [event("d-1", openid), event("d-1", openid), event("d-2", "x")])
    post_raw(client, (partner[0], "not-the-secret"), b'{"events": []}')
    partner_id = client.get("/api/v1/admin/partners", headers=bearer(op_token)).get_json()[
        "items"][0]["id"]  # fmt: skip
    items = client.get(f"/api/v1/admin/partners/{partner_id}/events",
                       headers=bearer(op_token)).get_json()["items"]  # fmt: skip
    assert [(e["event_id"], e["status_code"], e["outcome"], e["reason"]) for e in items] == [
        ("", 401, "refused", "invalid_signature"),
        ("d-2", 404, "refused", "user_not_found"),
        ("d-1", 200, "duplicate", ""),
        ("d-1", 201, "credited", ""),
    ]
    assert items[3]["record_id"] is not None and items[3]["points"] == 10
    assert count(app, PartnerDelivery) == 4


def test_an_event_id_too_long_for_its_reference_is_its_own_422(app, client, op_token, consenting):
    # The ledger reference is partner:<code>:<event_id> in 200 characters: a partner with
    # the longest code (64) has 127 left, so a 128-character event_id cannot be stored.
    code = "c" * 64
    fields = {"code": code, "name": "长代码合作方", "scenarios": ["bus_ride"]}
    created = client.post("/api/v1/admin/partners", json=fields, headers=bearer(op_token))
    assert created.status_code == 201, created.get_json()
    long_code = (code, created.get_json()["secret"])
    _token, openid = consenting
    too_long, longest = event("e" * 128, openid), event("f" * 127, openid)

    single = post_single(client, long_code, too_long)
    batch = post_batch(
        client, long_code, [event("ok-1", openid), event("e" * 128, openid), longest]
    )

    assert (single.status_code, single.get_json()["reason"]) == (422, "invalid_value")
    assert "127" in single.get_json()["message"]
    assert [c for _, c, _ in outcomes(batch)] == [201, 422, 201]
    assert outcomes(batch)[1][2] == "invalid_value"
    assert_ledger_clean(app)
