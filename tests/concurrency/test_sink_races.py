"""Carbon-sink races over real HTTP (gunicorn, 4 workers): fifty residents adopting one
tree-year at once give exactly one adopter (paid once); fifty concurrent personal offsets
never retire more than the pool holds, and nobody pays for units they did not get."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests

from app.carbon.rules import shanghai_day
from app.db import utcnow
from tests.helpers import bearer
from tests.mall.factories import balance_of, new_users
from tests.registry.support import new_holder, registry_verify, verify_and_issue, world

pytestmark = pytest.mark.slow
N = 50


@pytest.fixture
def seeded(app):
    from app.events.factors import seed_factors
    from app.extensions import db
    from app.sinks.methodologies import seed_methodologies
    from tests.checkins.support import seed

    seed(app)
    with app.app_context():
        seed_factors()
        seed_methodologies()
        db.session.commit()


def _post(url: str, token: str, body: dict) -> requests.Response:
    return requests.post(
        url, json=body, headers={**bearer(token), "Connection": "close"}, timeout=60
    )


def _project(client, w, owner_id: int, trees: int) -> tuple[dict, list[int]]:
    project = w.post(
        client,
        "/api/v1/admin/sinks/projects",
        {
            "code": "RACE-FOREST",
            "name": "抢认领的林子",
            "kind": "forest",
            "owner_holder_id": owner_id,
            "methodology": "forest_tree_default",
            "adoption_points": 20,
        },
    ).get_json()
    rows = [{"code": f"R{i:03d}", "species": "油松", "planted_year": 2019} for i in range(trees)]
    added = w.post(client, f"/api/v1/admin/sinks/projects/{project['id']}/trees", {"trees": rows})
    return project, [t["id"] for t in added.get_json()["items"]]


def test_fifty_residents_adopting_one_tree_year_give_one_adopter(
    app, client, live_server, make_operator, seeded
):
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "RACEOWNER", "林场")
    _, tree_ids = _project(client, w, owner_id, trees=1)
    residents = new_users(app, N, points=20)
    start = threading.Barrier(N)

    def adopt(resident):
        start.wait()
        return resident, _post(
            f"{live_server.url}/api/v1/sinks/trees/{tree_ids[0]}/adopt", resident[1], {}
        )

    with ThreadPoolExecutor(max_workers=N) as pool:
        results = list(pool.map(adopt, residents))
    statuses = Counter(r.status_code for _, r in results)
    assert statuses == {201: 1, 409: N - 1}, statuses
    assert {r.json()["reason"] for _, r in results if r.status_code == 409} == {
        "tree_already_adopted"
    }
    winner = next(uid for (uid, _), r in results if r.status_code == 201)
    for (user_id, _), _r in results:
        assert balance_of(app, user_id) == (0 if user_id == winner else 20)
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


def test_fifty_concurrent_offsets_never_retire_more_than_the_pool(
    app, client, live_server, make_operator, seeded
):
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "POOLOWNER", "林场")
    project, _trees = _project(client, w, owner_id, trees=2)  # 44 kg a year
    year = shanghai_day(utcnow()).year - 1
    w.post(client, f"/api/v1/admin/sinks/projects/{project['id']}/measurements", {"year": year})
    batch = verify_and_issue(
        client, w, project["programme_id"], date(year, 1, 1), date(year, 12, 31)
    )
    held = batch["units"] - batch["buffer_units"]  # 44 - 3 = 41 kg on offer
    pool = w.post(
        client,
        "/api/v1/admin/registry/offset-pools",
        {"name": "一元碳汇", "kind": "sink", "points_per_kg": 5, "holder_id": owner_id},
    ).get_json()
    residents = new_users(app, N, points=10)
    start = threading.Barrier(N)

    def offset(resident):
        start.wait()
        return resident, _post(
            f"{live_server.url}/api/v1/me/offsets", resident[1], {"pool_id": pool["id"], "kg": 2}
        )

    with ThreadPoolExecutor(max_workers=N) as pool_threads:
        results = list(pool_threads.map(offset, residents))
    statuses = Counter(r.status_code for _, r in results)
    assert set(statuses) <= {201, 409}, statuses
    assert {r.json()["reason"] for _, r in results if r.status_code == 409} <= {
        "insufficient_units"
    }
    assert statuses[201] == held // 2  # 20 offsets of 2 kg; the last kg is never oversold
    for (user_id, _), r in results:
        assert balance_of(app, user_id) == (0 if r.status_code == 201 else 10)
    blocks = requests.get(
        f"{live_server.url}/api/v1/public/registry/blocks?batch_id={batch['id']}&limit=100",
        timeout=30,
    ).json()["items"]
    assert sum(b["quantity"] for b in blocks if b["status"] == "retired") == 2 * statuses[201]
    registry_verify(app)
