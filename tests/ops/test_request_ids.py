"""Request ids: accepted or made, returned, in every log line of the request (text and
JSON) and in the jobs the request queues, down to the worker's log lines."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

from rq.job import Job
from rq.serializers import JSONSerializer

from app.jobs import rq_connection
from tests.conftest import make_app
from tests.helpers import ROOT, bearer, process_env, start_gunicorn


def _access(caplog, path: str) -> logging.LogRecord:
    lines = [r for r in caplog.records if r.name == "app.access" and r.path == path]
    assert len(lines) == 1, [r.getMessage() for r in caplog.records]
    return lines[0]


def test_a_request_id_sent_in_is_returned_and_in_the_access_line(client, login_resident,
                                                                  caplog):  # fmt: skip
    caplog.set_level(logging.INFO, logger="app.access")
    token, user, _ = login_resident()

    headers = {**bearer(token), "X-Request-ID": "req-4f2a.9:z"}
    response = client.get("/api/v1/me/account", headers=headers)

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "req-4f2a.9:z"
    line = _access(caplog, "/api/v1/me/account")
    assert line.request_id == "req-4f2a.9:z"
    assert (line.route, line.status, line.user_id, line.method) == (
        "/api/v1/me/account", 200, user["id"], "GET"
    )  # fmt: skip
    assert line.duration_ms > 0


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client, caplog):
    caplog.set_level(logging.INFO, logger="app.access")
    made = client.get("/api/v1/offers").headers["X-Request-ID"]
    unsafe = client.get("/api/v1/offers", headers={"X-Request-ID": "FAKE} {line"})
    too_long = client.get("/api/v1/offers", headers={"X-Request-ID": "FAKE" * 40})

    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert re.fullmatch(r"[0-9a-f]{32}", unsafe.headers["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", too_long.headers["X-Request-ID"])
    assert made != unsafe.headers["X-Request-ID"]
    assert not any("FAKE" in r.request_id for r in caplog.records)


def test_every_log_line_of_the_request_carries_its_id(app_settings, caplog):
    application = make_app(app_settings)

    @application.get("/boom")
    def boom():
        logging.getLogger("app.somewhere").warning("about to fail")
        raise RuntimeError("kaboom")

    response = application.test_client().get("/boom", headers={"X-Request-ID": "boom-1"})

    assert response.status_code == 500 and response.headers["X-Request-ID"] == "boom-1"
    written = [r for r in caplog.records if r.name in ("app.somewhere", "app.errors")]
    assert [r.request_id for r in written] == ["boom-1", "boom-1"]
    assert _access(caplog, "/boom").status == 500


def test_json_lines_under_gunicorn_carry_the_request_id(app, app_settings, login_resident,
                                                        tmp_path):  # fmt: skip
    token, user, _ = login_resident()
    server = start_gunicorn(app_settings, tmp_path, workers=1, LOG_LEVEL="INFO",
                            TPH_LOG_FORMAT="json")  # fmt: skip
    try:
        import requests

        headers = {**bearer(token), "X-Request-ID": "gunicorn-77"}
        response = requests.get(server.url + "/api/v1/me/account", headers=headers, timeout=10)
    finally:
        server.stop()

    assert response.headers["X-Request-ID"] == "gunicorn-77"
    lines = [json.loads(line) for line in server.log_tail(10**6).splitlines()
             if line.startswith("{")]  # fmt: skip
    mine = [line for line in lines if line.get("request_id") == "gunicorn-77"]
    assert len(mine) == 1, lines
    assert {k: mine[0][k] for k in ("logger", "level", "route", "status", "user_id")} == {
        "logger": "app.access", "level": "INFO", "route": "/api/v1/me/account",
        "status": 200, "user_id": user["id"],
    }  # fmt: skip
    assert mine[0]["duration_ms"] > 0 and mine[0]["time"]


def test_a_job_carries_the_request_id_into_the_worker_log(app, app_settings, client,
                                                          make_operator, tmp_path):  # fmt: skip
    op, _ = make_operator()
    queued = client.post("/api/v1/admin/jobs/exports", json={"table": "checkins"},
                         headers={**bearer(op), "X-Request-ID": "export-req-1"})  # fmt: skip
    assert queued.status_code == 202
    with app.app_context():
        job = Job.fetch(queued.get_json()["id"], connection=rq_connection(),
                        serializer=JSONSerializer)  # fmt: skip
        assert job.meta["request_id"] == "export-req-1"

    env = process_env(app_settings, tmp_path, LOG_LEVEL="INFO", TPH_LOG_FORMAT="json")
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "ops", "worker",
                             "--burst"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip

    assert worker.returncode == 0, worker.stderr
    lines = [json.loads(line) for line in (worker.stdout + worker.stderr).splitlines()
             if line.startswith("{")]  # fmt: skip
    finished = [line for line in lines if line.get("job_kind") == "export"]
    assert [line["request_id"] for line in finished] == ["export-req-1"]
    assert finished[0]["outcome"] == "finished"
    assert finished[0]["message"].startswith("job export finished in ")
    rq_lines = [line for line in lines if line["logger"].startswith("rq.")]
    assert rq_lines, "RQ's own lines go through the app's JSON handler"


def test_the_rejection_notice_job_carries_the_deciding_request_id(
    app, client, make_operator, login_resident, caplog
):
    from app.jobs import job_queue
    from tests.checkins.support import seed
    from tests.stats.test_jobs import photo_checkins, run_worker

    seed(app)
    op, _ = make_operator()
    [(record_id, _, _)] = photo_checkins(client, login_resident, 1)
    rejected = client.post(f"/api/v1/admin/checkins/{record_id}/reject", json={"note": "不清晰"},
                           headers={**bearer(op), "X-Request-ID": "reject-9"})  # fmt: skip
    assert rejected.status_code == 200
    with app.app_context():
        [job] = job_queue().get_jobs()
    assert job.meta["request_id"] == "reject-9"

    caplog.set_level(logging.INFO, logger="app.jobs")
    run_worker(app)

    [line] = [r for r in caplog.records if r.name == "app.jobs"]
    assert (line.request_id, line.job_kind, line.outcome) == ("reject-9", "notice", "finished")
