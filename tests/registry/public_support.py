"""A registry with something to disclose: an issued batch with one known resident in it,
units sold to an enterprise, part of them retired with a certificate. Built through the
real API (tests/registry/support.py), usable in-process and against the live server."""

from __future__ import annotations

from dataclasses import dataclass

from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import World, add_records, consent, issued_batch, new_holder, world

BENEFICIARY = "绿色制造有限公司 2026 年度碳中和"
BUYER = "绿色制造有限公司"


@dataclass
class Story:
    w: World
    batch: dict
    resident_token: str
    resident_records: list[int]
    certificate_id: str
    retired_serial: str  # the retired block, e.g. CN-XX-PH-P001-...-001-1-3


def retired_story(app, client, make_operator) -> Story:
    """A resident with 3 bus rides among 130 more (133 x 80 g: 10 kg issued, 1 in the
    buffer); 5 kg sold to 绿色制造有限公司, who retires 3 kg for a compliance year."""
    w = world(app, client, make_operator)
    user_id, token = new_user(app)
    consent(client, token)
    mine = add_records(app, user_id, 3)
    batch = issued_batch(app, client, w, residents=1, records_each=130)
    buyer_id, buyer = new_holder(client, w, "GREENCO", BUYER)
    sold = w.post(
        client,
        "/api/v1/holder/transfers",
        {"to_holder_id": buyer_id, "batch_id": batch["id"], "quantity": 5},
        w.platform,
    )
    assert sold.status_code == 201, sold.get_json()
    retired = client.post(
        "/api/v1/holder/retirements",
        json={
            "batch_id": batch["id"],
            "quantity": 3,
            "purpose": "compliance",
            "compliance_year": 2026,
            "beneficiary": BENEFICIARY,
            "note": "抵消 2026 年度差旅排放",
        },
        headers=bearer(buyer),
    )
    assert retired.status_code == 201, retired.get_json()
    return Story(
        w, batch, token, mine, retired.get_json()["certificate_id"], f"{batch['serial']}-1-3"
    )
