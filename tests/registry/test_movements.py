"""Transfers, retirements and cancellations: refusals with reasons, serial ranges kept
contiguous, the carry into the next batch, partner-claimed records, revoked records."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import (
    ADMIN,
    add_records,
    consent,
    issued_batch,
    last_month,
    new_holder,
    registry_verify,
    world,
)

HOLDER = "/api/v1/holder"
PUBLIC = "/api/v1/public/registry"


def _reason(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("reason")


def test_refusals_of_transfers_and_retirements(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)  # 10 units: 9 platform, 1 buffer
    buyer_id, buyer = new_holder(client, w, "BUYER", "买方")
    bid = batch["id"]

    def transfer(body, token=w.platform):
        return w.post(
            client,
            f"{HOLDER}/transfers",
            {"batch_id": bid, "to_holder_id": buyer_id, "quantity": 1, **body},
            token,
        )

    assert _reason(transfer({"quantity": 10})) == (409, "insufficient_units")
    assert _reason(transfer({"to_holder_id": w.platform_id})) == (422, "same_holder")
    assert _reason(transfer({"to_holder_id": 999})) == (404, "holder_not_found")
    assert _reason(transfer({"batch_id": 999})) == (404, "batch_not_found")
    assert _reason(transfer({"first": 10})) == (409, "units_not_held")  # the buffer's unit
    assert _reason(transfer({"first": 9, "quantity": 2})) == (409, "units_not_held")
    assert _reason(transfer({"first": 10, "quantity": 2})) == (422, "invalid_serial")
    assert _reason(transfer({"quantity": 0})) == (422, "validation_error")
    assert _reason(transfer({}, buyer)) == (422, "same_holder")
    # A pinned range in the middle splits the block and keeps the ranges contiguous.
    assert transfer({"first": 4, "quantity": 3}).status_code == 201
    blocks = client.get(f"{PUBLIC}/blocks?batch_id={bid}&limit=100").get_json()["items"]
    assert sorted((b["first"], b["last"], b["holder"]) for b in blocks) == [
        (1, 3, "碳普惠平台"),
        (4, 6, "买方"),
        (7, 9, "碳普惠平台"),
        (10, 10, None),
    ]

    def retire(body, token=buyer):
        return w.post(
            client,
            f"{HOLDER}/retirements",
            {
                "batch_id": bid,
                "quantity": 1,
                "purpose": "voluntary",
                "beneficiary": "某会议",
                **body,
            },
            token,
        )

    assert _reason(retire({"purpose": "compliance"})) == (422, "validation_error")
    assert _reason(retire({"purpose": "lottery"})) == (422, "validation_error")
    assert _reason(retire({"quantity": 4})) == (409, "insufficient_units")
    assert _reason(retire({"first": 1})) == (409, "units_not_held")
    done = retire({"purpose": "compliance", "compliance_year": 2026, "quantity": 3})
    assert done.status_code == 201 and done.get_json()["compliance_year"] == 2026
    # Retired units never move again.
    assert _reason(retire({})) == (409, "insufficient_units")
    assert _reason(transfer({}, buyer)) == (422, "same_holder")

    # Operators cancel from a holder or the buffer, with a reason.
    cancel = w.post(
        client, f"{ADMIN}/cancellations", {"batch_id": bid, "quantity": 1, "reason": "登记错误"}
    )
    assert cancel.status_code == 201 and cancel.get_json()["source"] == "buffer"
    assert _reason(
        w.post(client, f"{ADMIN}/cancellations", {"batch_id": bid, "quantity": 1, "reason": "x"})
    ) == (409, "insufficient_units")
    summary = client.get(f"{PUBLIC}/summary").get_json()
    assert (summary["issued_kg"], summary["retired_kg"], summary["cancelled_kg"]) == (10, 3, 1)
    registry_verify(app)


def test_a_draft_batch_moves_no_units(app, client, make_operator):
    w = world(app, client, make_operator)
    user_id, token = new_user(app)
    consent(client, token)
    add_records(app, user_id, 20)
    start, end = last_month()
    batch = w.post(
        client,
        f"{ADMIN}/batches",
        {
            "programme_id": w.programme_id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
    ).get_json()
    buyer_id, _ = new_holder(client, w, "EARLY", "心急的买方")
    early = w.post(
        client,
        f"{HOLDER}/transfers",
        {"batch_id": batch["id"], "to_holder_id": buyer_id, "quantity": 1},
        w.platform,
    )
    assert _reason(early) == (409, "batch_not_issued")


def test_the_remainder_carries_into_the_next_batch(app, client, make_operator):
    w = world(app, client, make_operator)
    first = issued_batch(app, client, w, records_each=130)  # 10.4 kg: 10 units, 400 g on
    assert first["carry_out_g"] == 400.0
    user_id, token = new_user(app)
    consent(client, token)
    start, end = last_month()
    add_records(app, user_id, 10, day=end)  # 800 g, not in the first batch (it was taken)
    # A second batch of the same programme: 800 g + the 400 g carried = 1 unit, 200 g on.
    second = w.post(
        client,
        f"{ADMIN}/batches",
        {
            "programme_id": w.programme_id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
    ).get_json()
    bid = second["id"]
    w.post(client, f"{ADMIN}/batches/{bid}/submit", {"verifier_id": w.verifier_id})
    w.post(
        client,
        f"/api/v1/verifier/batches/{bid}/report-link",
        {"url": "https://example.org/r2.pdf", "sha256": "cd" * 32},
        w.verifier,
    )
    w.post(client, f"/api/v1/verifier/batches/{bid}/verify", {"note": ""}, w.verifier)
    issued = w.post(client, f"{ADMIN}/batches/{bid}/issue", {}, w.op2).get_json()
    assert (issued["carry_in_g"], issued["units"], issued["carry_out_g"]) == (400.0, 1, 200.0)
    assert issued["serial"].endswith("-002")
    registry_verify(app)


def test_records_a_partner_claims_are_not_batched(app, client, make_operator):
    from app.carbon import service as carbon
    from app.checkins import partners
    from app.extensions import db

    w = world(app, client, make_operator)
    with app.app_context():
        partners.create_partner("metro", "地铁公司", ["bus_ride"], claims_reductions=True)
        partners.create_partner("bus", "公交公司", ["bus_ride"])
        db.session.commit()
    user_id, token = new_user(app)
    consent(client, token)
    day = last_month()[0] + timedelta(days=3)
    ids = {}
    from datetime import UTC, datetime

    with app.app_context():
        scenario = carbon.get_scenario("bus_ride")
        for code in ("metro", "bus"):
            record = carbon.create_record(
                user_id,
                scenario,
                1000,
                evidence_type="partner",
                evidence_ref=f"partner:{code}:E1",
                occurred_at=datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
            )
            carbon.approve_record(record.id, reward=carbon.Reward("t", f"t:{record.id}"))
            ids[code] = record.id
        db.session.commit()
    start, end = last_month()
    batch = w.post(
        client,
        f"{ADMIN}/batches",
        {
            "programme_id": w.programme_id,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
        },
    ).get_json()
    members = client.get(f"{ADMIN}/batches/{batch['id']}/members", headers=bearer(w.op1)).get_json()
    assert [m["record_id"] for m in members["items"]] == [ids["bus"]]


def test_a_fraudulent_record_after_issuance_cancels_from_the_buffer(app, client, make_operator):
    w = world(app, client, make_operator)
    user_id, token = new_user(app)
    consent(client, token)
    cheat = add_records(app, user_id, 1)[0]
    batch = issued_batch(app, client, w, records_each=130)  # 131 x 80 g = 10.48 kg
    before = client.get("/api/v1/me/account", headers=bearer(token)).get_json()
    assert before["points_balance"] == 10

    revoked = w.post(client, f"{ADMIN}/records/{cheat}/revoke", {"reason": "核查发现重复乘车记录"})
    assert revoked.status_code == 200, revoked.get_json()
    body = revoked.get_json()
    assert body["points_taken_back"] == 10
    assert (body["batch"]["revoked_g"], body["batch"]["revoked_units"]) == (80.0, 1)
    again = w.post(client, f"{ADMIN}/records/{cheat}/revoke", {"reason": "x"})
    assert _reason(again) == (409, "record_not_approved")

    public = client.get(f"{PUBLIC}/batches/{batch['id']}").get_json()
    assert (public["revoked_g"], public["revoked_units"]) == (80.0, 1)
    assert client.get(f"{PUBLIC}/summary").get_json()["cancelled_kg"] == 1
    after = client.get("/api/v1/me/account", headers=bearer(token)).get_json()
    assert (after["points_balance"], after["checkins_count"]) == (0, 0)
    share = client.get("/api/v1/me/reductions", headers=bearer(token)).get_json()["items"]
    assert [i["revoked"] for i in share] == [True]
    registry_verify(app)


def test_a_pinned_range_may_span_blocks_that_follow_one_another(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)  # platform holds 1..9
    buyer_id, buyer = new_holder(client, w, "SPAN", "跨块买方")
    other_id, _ = new_holder(client, w, "NEXT", "下一位")
    bid = batch["id"]
    for first in (2, 5):  # two transfers leave the buyer blocks 2-4 and 5-7
        sold = w.post(
            client,
            f"{HOLDER}/transfers",
            {"batch_id": bid, "to_holder_id": buyer_id, "quantity": 3, "first": first},
            w.platform,
        )
        assert sold.status_code == 201, sold.get_json()
    across = w.post(
        client,
        f"{HOLDER}/transfers",
        {"batch_id": bid, "to_holder_id": other_id, "quantity": 4, "first": 3},
        buyer,
    )
    assert across.status_code == 201, across.get_json()
    blocks = client.get(f"{PUBLIC}/blocks?batch_id={bid}&limit=100").get_json()["items"]
    assert sorted(
        (b["first"], b["last"], b["holder"]) for b in blocks if b["status"] == "held"
    ) == [
        (1, 1, "碳普惠平台"),
        (2, 2, "跨块买方"),
        (3, 4, "下一位"),
        (5, 6, "下一位"),
        (7, 7, "跨块买方"),
        (8, 9, "碳普惠平台"),
    ]
    gap = w.post(
        client,
        f"{HOLDER}/transfers",
        {"batch_id": bid, "to_holder_id": other_id, "quantity": 2, "first": 1},
        buyer,
    )
    assert _reason(gap) == (409, "units_not_held")
    registry_verify(app)
