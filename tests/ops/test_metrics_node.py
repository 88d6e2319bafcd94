"""/metrics on a node as deployed: gunicorn with deploy/gunicorn.conf.py (several workers,
prometheus multiprocess mode under TPH_METRICS_DIR) and a job worker beside it. Any
worker's answer adds up every process of the node."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.checkins.support import create_site, seed, site_payload
from tests.helpers import ROOT, bearer, process_env, start_gunicorn
from tests.ops.metrics_support import TOKEN, value

pytestmark = pytest.mark.slow
WORKERS = 3


def test_a_scrape_adds_up_all_workers_and_the_job_worker(app, app_settings, client,
                                                         login_resident, make_operator,
                                                         tmp_path):  # fmt: skip
    seed(app)
    op, _ = make_operator()
    site = create_site(client, op)
    metrics_dir = tmp_path / "metrics"
    node = start_gunicorn(app_settings, tmp_path / "node", workers=WORKERS, config=True,
                          TPH_METRICS_DIR=str(metrics_dir), TPH_METRICS_TOKEN=TOKEN)  # fmt: skip
    try:

        def call(method: str, path: str, token: str, **body) -> requests.Response:
            return requests.request(method, node.url + path, timeout=30, json=body or None,
                                    headers={**bearer(token), "Connection": "close"})  # fmt: skip

        residents = [login_resident()[0] for _ in range(6)]
        for token in residents:  # a new connection each: the workers share them out
            payload = site_payload(client, op, site["id"])
            answer = call("POST", "/api/v1/checkins", token, scenario="bus_ride",
                          evidence={"type": "qr", "token": payload})  # fmt: skip
            assert answer.status_code == 201, answer.text
        queued = call("POST", "/api/v1/admin/jobs/exports", op, table="checkins")
        assert queued.status_code == 202
        (metrics_dir / "worker-1").mkdir()  # the worker unit's ExecStartPre makes it
        env = process_env(app_settings, tmp_path / "worker",
                          PROMETHEUS_MULTIPROC_DIR=str(metrics_dir / "worker-1"))  # fmt: skip
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "ops", "worker",
                        "--burst"], cwd=ROOT, env=env, check=True, timeout=120)  # fmt: skip

        scrapes = [call("GET", "/metrics", TOKEN) for _ in range(2 * WORKERS)]
        served_by = {s.headers.get("X-Served-By") for s in scrapes}
    finally:
        node.stop()

    assert sorted(p.name for p in metrics_dir.iterdir()) == ["web", "worker-1"]
    assert len(list((metrics_dir / "web").glob("*.db"))) >= 2, "several workers counted"
    approved = dict(scenario="bus_ride", evidence="qr", outcome="approved")
    for scrape in scrapes:  # whichever worker answered, the node's totals
        assert scrape.status_code == 200
        text = scrape.text
        assert value(text, "tanpuhui_checkins_total", **approved) == len(residents)
        assert value(text, "tanpuhui_http_requests_total", route="/api/v1/checkins",
                     status="201") == len(residents)  # fmt: skip
        assert value(text, "tanpuhui_jobs_total", kind="export", outcome="finished") == 1
        assert value(text, "tanpuhui_job_queue_jobs", state="queued") == 0
    assert served_by == {None}, "X-Served-By stays off unless asked for"
