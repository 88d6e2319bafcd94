"""Every registry list answers `?format=csv` (the consoles' export buttons): operators',
verifiers', holders' and the public lists, with a header row even when empty."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.helpers import bearer
from tests.registry.support import ADMIN, issued_batch, new_holder, world

PUBLIC = "/api/v1/public/registry"


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T[\d:.]+(?:[+-]\d{2}:\d{2}|Z)?")


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    # Every time in Beijing time with its offset (issue 17): no UTC left in any cell.
    assert all(t.endswith("+08:00") for t in _TIME.findall(text)), _TIME.findall(text)[:5]
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def header(response) -> list[str]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_every_list_exports_csv(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)  # 130 x 80 g = 10.4 kg: 10 units, 1 to the buffer
    buyer_id, buyer = new_holder(client, w, "GREENCO", "绿色制造有限公司")
    sale = {"to_holder_id": buyer_id, "batch_id": batch["id"], "quantity": 4, "price_fen": 800}
    assert w.post(client, "/api/v1/holder/transfers", sale, w.platform).status_code == 201
    retire = {"batch_id": batch["id"], "quantity": 1, "purpose": "voluntary", "beneficiary": "员工"}
    assert w.post(client, "/api/v1/holder/retirements", retire, buyer).status_code == 201
    cancel = {"batch_id": batch["id"], "quantity": 1, "reason": "核查发现重复计算"}
    assert w.post(client, f"{ADMIN}/cancellations", cancel).status_code == 201
    op = bearer(w.op1)

    def get(path, token=op):
        return client.get(path, headers=token)

    assert [r["scenario"] for r in rows(get(f"{ADMIN}/programmes?format=csv"))] == ["bus_ride"]
    assert [r["status"] for r in rows(get(f"{ADMIN}/batches?format=csv"))] == ["issued"]
    members = rows(get(f"{ADMIN}/batches/{batch['id']}/members?format=csv"))
    assert len(members) == 130 and members[0]["excluded"] == "False"
    assert [r["name"] for r in rows(get(f"{ADMIN}/verifiers?format=csv"))] == ["中环联合认证"]
    assert {r["code"] for r in rows(get(f"{ADMIN}/holders?format=csv"))} == {"PLATFORM", "GREENCO"}
    held = rows(get(f"{ADMIN}/holders/{w.platform_id}/holdings?format=csv"))
    assert [(r["serial"], r["quantity"]) for r in held] == [(batch["serial"], "5")]
    assert rows(get(f"{ADMIN}/buffer?format=csv")) == []  # its one unit was cancelled
    assert [r["price_fen"] for r in rows(get(f"{ADMIN}/transfers?format=csv"))] == ["800"]
    assert [r["beneficiary"] for r in rows(get(f"{ADMIN}/retirements?format=csv"))] == ["员工"]
    assert [r["reason"] for r in rows(get(f"{ADMIN}/cancellations?format=csv"))] == [
        "核查发现重复计算"
    ]

    auditor = bearer(w.verifier)
    assert [r["id"] for r in rows(get("/api/v1/verifier/batches?format=csv", auditor))] == [
        str(batch["id"])
    ]
    mine = bearer(buyer)
    assert [r["quantity"] for r in rows(get("/api/v1/holder/holdings?format=csv", mine))] == ["3"]
    assert len(rows(get("/api/v1/holder/transfers?format=csv", mine))) == 1
    assert len(rows(get("/api/v1/holder/retirements?format=csv", mine))) == 1
    assert len(rows(get("/api/v1/holder/holders?format=csv", mine))) == 2

    assert len(rows(client.get(f"{PUBLIC}/programmes?format=csv"))) == 1
    assert len(rows(client.get(f"{PUBLIC}/batches?format=csv"))) == 1
    public = rows(client.get(f"{PUBLIC}/retirements?format=csv"))
    assert [(r["holder"], r["quantity"]) for r in public] == [("绿色制造有限公司", "1")]
    blocks = rows(client.get(f"{PUBLIC}/blocks?batch_id={batch['id']}&format=csv"))
    assert sorted(r["status"] for r in blocks) == ["cancelled", "held", "held", "retired"]


def test_buffer_export_lists_the_buffer_share(app, client, make_operator):
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)
    buffer = rows(client.get(f"{ADMIN}/buffer?format=csv", headers=bearer(w.op1)))
    assert [(r["batch_id"], r["quantity"]) for r in buffer] == [(str(batch["id"]), "1")]


@pytest.mark.parametrize(
    "path",
    [f"{ADMIN}/verifiers", f"{ADMIN}/buffer", f"{ADMIN}/transfers", f"{ADMIN}/retirements"],
)
def test_an_empty_export_still_has_its_header(app, client, make_operator, path):
    op, _ = make_operator()
    columns = header(client.get(f"{path}?format=csv", headers=bearer(op)))
    assert "id" in columns or "batch_id" in columns


def test_an_unknown_format_is_refused(app, client, make_operator):
    op, _ = make_operator()
    response = client.get(f"{ADMIN}/buffer?format=xlsx", headers=bearer(op))
    assert response.status_code == 422 and "format" in str(response.get_json()["errors"])
