"""Carbon sinks: a project with trees, residents adopting tree-years with points, the
year's ex-post monitoring issued through the registry, the adopters' verified credit, a
dead tree replaced from the buffer; and personal offsets bought with points."""

from __future__ import annotations

from datetime import date

from app.carbon.rules import shanghai_day
from app.db import utcnow
from tests.helpers import bearer
from tests.mall.factories import grant_points, new_user
from tests.registry.support import new_holder, registry_verify, verify_and_issue, world

ADMIN = "/api/v1/admin/sinks"


def _reason(response) -> tuple[int, str]:
    return response.status_code, response.get_json().get("reason")


def _project(client, w, owner_id: int, trees: int = 10, spares: int = 2, points: int = 100):
    project = w.post(
        client,
        f"{ADMIN}/projects",
        {
            "code": "NM-FOREST-1",
            "name": "乌兰察布防护林",
            "kind": "forest",
            "owner_holder_id": owner_id,
            "methodology": "forest_tree_default",
            "region": "内蒙古乌兰察布",
            "adoption_points": points,
        },
    )
    assert project.status_code == 201, project.get_json()
    pid = project.get_json()["id"]
    rows = [{"code": f"T{i:03d}", "species": "樟子松", "planted_year": 2020} for i in range(trees)]
    rows += [
        {"code": f"S{i:03d}", "species": "樟子松", "planted_year": 2020, "spare": True}
        for i in range(spares)
    ]
    added = w.post(client, f"{ADMIN}/projects/{pid}/trees", {"trees": rows})
    assert added.status_code == 201, added.get_json()
    return project.get_json(), {t["code"]: t["id"] for t in added.get_json()["items"]}


def test_adopt_monitor_issue_and_credit(app, client, make_operator):
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "NMFOREST", "内蒙古林业合作社")
    project, trees = _project(client, w, owner_id)
    listed = client.get("/api/v1/sinks/projects").get_json()["items"]
    assert listed[0]["estimated_kg_per_year"] == 220.0  # 10 trees x 22 kg, labelled 预估
    this_year = shanghai_day(utcnow()).year

    alice, alice_token = new_user(app, points=300)
    adopted = w.post(
        client, f"/api/v1/sinks/trees/{trees['T000']}/adopt", {"year": this_year - 1}, alice_token
    )
    assert _reason(adopted) == (422, "invalid_year")
    # The monitoring year must be over: adopt last year's tree-year through the service.
    with app.app_context():
        from app.extensions import db
        from app.sinks import adoption as adoptions

        adoption_id = adoptions._insert(trees["T000"], this_year - 1, alice, 100)
        db.session.commit()
    adopted_now = w.post(client, f"/api/v1/sinks/trees/{trees['T001']}/adopt", {}, alice_token)
    assert adopted_now.status_code == 201, adopted_now.get_json()
    assert adopted_now.get_json()["points"] == 100 and adopted_now.get_json()["credit"] is None
    _bob, bob_token = new_user(app, points=300)
    taken = w.post(client, f"/api/v1/sinks/trees/{trees['T001']}/adopt", {}, bob_token)
    assert _reason(taken) == (409, "tree_already_adopted")
    spare = w.post(client, f"/api/v1/sinks/trees/{trees['S000']}/adopt", {}, bob_token)
    assert _reason(spare) == (409, "tree_not_adoptable")
    listed = client.get(f"/api/v1/sinks/projects/{project['id']}/trees").get_json()["items"]
    assert [t["code"] for t in listed if t["adopted"]] == ["T001"]
    assert (
        client.get("/api/v1/me/account", headers=bearer(alice_token)).get_json()["points_balance"]
        == 200
    )

    # Last year's monitoring: ex-post measurements, a verified batch, units to the owner.
    assert _reason(
        w.post(client, f"{ADMIN}/projects/{project['id']}/measurements", {"year": this_year})
    ) == (422, "year_not_over")
    measured = w.post(
        client,
        f"{ADMIN}/projects/{project['id']}/measurements",
        {"year": this_year - 1, "measured_kg": {"T000": 18.4}},
    )
    assert measured.get_json()["added"] == 12  # 10 trees + 2 spares, all alive
    year = this_year - 1
    batch = verify_and_issue(
        client, w, project["programme_id"], date(year, 1, 1), date(year, 12, 31)
    )
    # 11 x 22 kg + 18.4 kg = 260.4 kg: 260 units (13 to the buffer), 0.4 kg carried.
    assert (batch["units"], batch["buffer_units"], batch["carry_out_g"]) == (260, 13, 400.0)
    mine = client.get("/api/v1/me/adoptions", headers=bearer(alice_token)).get_json()["items"]
    credited = next(i for i in mine if i["id"] == adoption_id)
    assert credited["credit"]["carbon_kg"] == 18.4 and credited["credit"]["certificate_id"]
    account = client.get("/api/v1/me/account", headers=bearer(alice_token)).get_json()
    assert account["sink_total_g"] == 18400.0 and account["carbon_total_g"] == 0.0
    cert = client.get(
        f"/api/v1/public/registry/certificates/{credited['credit']['certificate_id']}"
    )
    assert cert.get_json()["retirement"]["quantity"] == 19  # 18.4 kg rounded up, for adopters
    assert cert.get_json()["retirement"]["purpose"] == "personal"
    registry_verify(app)


def test_a_dead_tree_is_replaced_from_the_buffer_and_the_resident_told(
    app, client, make_operator, sandbox, login_resident
):
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "NMFOREST", "内蒙古林业合作社")
    _project_made, trees = _project(client, w, owner_id, trees=2, spares=1)
    token, user, _openid = login_resident()
    grant_points(app, user["id"], 100)
    assert (
        w.post(client, f"/api/v1/sinks/trees/{trees['T000']}/adopt", {}, token).status_code == 201
    )
    dead = w.post(client, f"{ADMIN}/trees/{trees['T000']}/dead", {})
    assert dead.status_code == 200, dead.get_json()
    assert [t["code"] for t in dead.get_json()["items"]] == ["S000"]
    assert _reason(w.post(client, f"{ADMIN}/trees/{trees['T000']}/dead", {})) == (409, "tree_dead")
    mine = client.get("/api/v1/me/adoptions", headers=bearer(token)).get_json()["items"]
    assert [(i["tree"]["code"], i["status"], i["replaced_by"]) for i in mine] == [
        ("S000", "active", None),
        ("T000", "replaced", "S000"),
    ]
    one = client.get(f"/api/v1/me/adoptions/{mine[0]['id']}", headers=bearer(token))
    assert one.status_code == 200 and one.get_json()["tree"]["code"] == "S000"
    assert client.get(f"/api/v1/sinks/projects/{_project_made['id']}").status_code == 200
    with app.app_context():
        from rq import SimpleWorker

        from app.jobs import job_queue

        queue = job_queue()
        SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer).work(
            burst=True
        )
    told = [m for m in sandbox.messages() if m.get("template_id") == "tree_replaced"]
    assert told and "S000" in told[-1]["data"]["thing2"]["value"]


def test_personal_offsets_are_paid_with_points_and_certified(app, client, make_operator):
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "NMFOREST", "内蒙古林业合作社")
    project, _trees = _project(client, w, owner_id, trees=10, spares=0)
    year = shanghai_day(utcnow()).year - 1
    w.post(client, f"{ADMIN}/projects/{project['id']}/measurements", {"year": year})
    verify_and_issue(client, w, project["programme_id"], date(year, 1, 1), date(year, 12, 31))
    pool = w.post(
        client,
        "/api/v1/admin/registry/offset-pools",
        {"name": "森林碳汇·一元碳汇", "kind": "sink", "points_per_kg": 10, "holder_id": owner_id},
    )
    assert pool.status_code == 201, pool.get_json()
    pools = client.get("/api/v1/offset-pools", headers=bearer(w.op1))
    assert pools.status_code == 403  # residents only
    _user_id, token = new_user(app, points=100)
    offered = client.get("/api/v1/offset-pools", headers=bearer(token)).get_json()["items"]
    assert offered[0]["available_kg"] == 209  # 220 units, 11 in the buffer
    done = w.post(
        client,
        "/api/v1/me/offsets",
        {"pool_id": pool.get_json()["id"], "kg": 3},
        token,
        **{"Idempotency-Key": "offset-1"},
    )
    assert done.status_code == 201, done.get_json()
    assert (done.get_json()["kg"], done.get_json()["points"]) == (3, 30)
    replay = w.post(
        client,
        "/api/v1/me/offsets",
        {"pool_id": pool.get_json()["id"], "kg": 3},
        token,
        **{"Idempotency-Key": "offset-1"},
    )
    assert replay.get_json()["id"] == done.get_json()["id"]
    assert (
        client.get("/api/v1/me/account", headers=bearer(token)).get_json()["points_balance"] == 70
    )
    too_much = w.post(
        client, "/api/v1/me/offsets", {"pool_id": pool.get_json()["id"], "kg": 8}, token
    )
    assert _reason(too_much) == (409, "insufficient_points")
    cert = client.get(f"/api/v1/public/registry/certificates/{done.get_json()['certificate_id']}")
    assert cert.get_json()["retirement"]["purpose"] == "personal"
    registry_verify(app)


def test_operators_list_every_tree_of_a_project(app, client, make_operator):
    w = world(app, client, make_operator)
    owner_id, owner = new_holder(client, w, "NMFOREST", "内蒙古林业合作社")
    project, trees = _project(client, w, owner_id, trees=2, spares=1)
    w.post(client, f"{ADMIN}/trees/{trees['T001']}/dead", {})
    listed = client.get(f"{ADMIN}/projects/{project['id']}/trees", headers=bearer(w.op1))
    assert listed.status_code == 200, listed.get_json()
    rows = [(t["code"], t["status"], t["spare"]) for t in listed.get_json()["items"]]
    assert rows == [("T000", "alive", False), ("T001", "dead", False), ("S000", "alive", True)]
    public = client.get(f"/api/v1/sinks/projects/{project['id']}/trees").get_json()["items"]
    assert [t["code"] for t in public] == ["T000", "T001"]  # residents never see spares
    assert client.get(f"{ADMIN}/projects/{project['id']}/trees").status_code == 401
    assert (
        client.get(f"{ADMIN}/projects/{project['id']}/trees", headers=bearer(owner)).status_code
        == 403
    )
    assert _reason(client.get(f"{ADMIN}/projects/999/trees", headers=bearer(w.op1))) == (
        404,
        "sink_project_not_found",
    )
