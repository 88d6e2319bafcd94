"""The whole loop: records -> batch -> verification -> issuance -> transfer -> retirement
-> public certificate, with the books and proofs checking out."""

from __future__ import annotations

from app.registry import merkle
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

PUBLIC = "/api/v1/public/registry"


def test_issue_transfer_retire_and_disclose(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w, residents=2, records_each=65)  # 130 x 80 g = 10.4 kg

    assert batch["status"] == "issued"
    assert (batch["units"], batch["buffer_units"], batch["carry_out_g"]) == (10, 1, 400.0)
    assert batch["serial"].startswith("CN-XX-PH-P001-") and batch["serial"].endswith("-001")
    assert batch["tco2e"] == 0.010 and batch["verifier"] == "中环联合认证"

    holdings = client.get("/api/v1/holder/holdings", headers=bearer(w.platform)).get_json()
    assert holdings["items"][0]["quantity"] == 9
    buyer_id, buyer = new_holder(client, w, "GREENCO", "绿色制造有限公司")
    sold = w.post(
        client,
        "/api/v1/holder/transfers",
        {"to_holder_id": buyer_id, "batch_id": batch["id"], "quantity": 5, "price_fen": 25_000},
        w.platform,
        **{"Idempotency-Key": "sale-1"},
    )
    assert sold.status_code == 201, sold.get_json()
    replay = w.post(
        client,
        "/api/v1/holder/transfers",
        {"to_holder_id": buyer_id, "batch_id": batch["id"], "quantity": 5, "price_fen": 25_000},
        w.platform,
        **{"Idempotency-Key": "sale-1"},
    )
    assert replay.get_json()["id"] == sold.get_json()["id"]

    retired = w.post(
        client,
        "/api/v1/holder/retirements",
        {
            "batch_id": batch["id"],
            "quantity": 3,
            "purpose": "voluntary",
            "beneficiary": "绿色制造有限公司 2026 年度碳中和",
        },
        buyer,
    )
    assert retired.status_code == 201, retired.get_json()
    certificate_id = retired.get_json()["certificate_id"]

    cert = client.get(f"{PUBLIC}/certificates/{certificate_id}").get_json()
    assert cert["holder"] == "绿色制造有限公司" and cert["retirement"]["quantity"] == 3
    assert cert["serials"] == [f"{batch['serial']}-1-3"]
    found = client.get(f"{PUBLIC}/serials?serial={batch['serial']}-2").get_json()["items"]
    assert [(b["status"], b["certificate_id"]) for b in found] == [("retired", certificate_id)]
    summary = client.get(f"{PUBLIC}/summary").get_json()
    assert (summary["issued_kg"], summary["retired_kg"], summary["buffer_kg"]) == (10, 3, 1)
    blocks = client.get(f"{PUBLIC}/blocks?batch_id={batch['id']}&limit=100").get_json()["items"]
    assert sorted((b["first"], b["last"], b["status"]) for b in blocks) == [
        (1, 3, "retired"),
        (4, 5, "held"),
        (6, 9, "held"),
        (10, 10, "buffer"),
    ]
    dump = client.get(f"{PUBLIC}/dump").get_json()
    assert len(dump["blocks"]) == 4 and dump["retirements"][0]["certificate_id"] == certificate_id
    registry_verify(app)


def test_a_resident_sees_and_proves_their_share(app, client, make_operator):
    w = world(app, client, make_operator)
    user_id, token = new_user(app)
    consent(client, token)
    mine = add_records(app, user_id, 3)
    batch = issued_batch(app, client, w, residents=1, records_each=130)

    share = client.get("/api/v1/me/reductions", headers=bearer(token)).get_json()
    assert sorted(i["record_id"] for i in share["items"]) == mine
    root = client.get(f"{PUBLIC}/batches/{batch['id']}").get_json()["merkle_root"]
    for item in share["items"]:
        assert share["pseudonym"] in item["leaf_data"]
        assert merkle.leaf_hash(item["leaf_data"]) == item["leaf_hash"]
        assert merkle.verify(item["leaf_hash"], item["proof"], root)
        assert item["fate"]["held"][0]["kg"] == batch["units"] - batch["buffer_units"]


def test_only_consenting_residents_are_batched_and_points_stay(app, client, make_operator):
    w = world(app, client, make_operator)
    yes_id, yes = new_user(app)
    no_id, no = new_user(app)
    withdrawn_id, withdrawn = new_user(app)
    consent(client, yes)
    consent(client, withdrawn)
    consent(client, withdrawn, granted=False)
    kept = add_records(app, yes_id, 2)
    for uid in (no_id, withdrawn_id):
        add_records(app, uid, 2)
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
    assert sorted(m["record_id"] for m in members["items"]) == kept
    for token in (no, withdrawn):
        assert (
            client.get("/api/v1/me/account", headers=bearer(token)).get_json()["points_balance"]
            == 20
        )


def test_verification_bodies_are_public(app, client, make_operator):
    world(app, client, make_operator)
    listed = client.get(f"{PUBLIC}/verifiers").get_json()["items"]
    assert [(v["name"], v["accreditation"]) for v in listed] == [("中环联合认证", "CNAS")]
