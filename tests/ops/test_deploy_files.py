"""deploy/: the systemd units are valid units whose commands run (the web's loads the app
with deploy/gunicorn.conf.py, the worker's runs queued jobs). nginx's site config is run
by tests/scaleout; gunicorn.conf.py by it and tests/ops/test_metrics_node.py."""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, process_env

UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/tanpuhui"


def _exec_start(unit: str) -> list[str]:
    """The unit's ExecStart, with the install folder's venv replaced by this one's."""
    line = next(x for x in (UNITS / unit).read_text().splitlines() if x.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0].startswith(f"{INSTALLED}/.venv/bin/"), argv
    return [str(Path(sys.executable).parent / Path(argv[0]).name), *argv[1:]]


def test_the_units_are_valid_systemd_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed")
    names = []
    for unit in sorted(UNITS.glob("*.service")):
        text = unit.read_text().replace(INSTALLED, str(ROOT))
        name = unit.name.replace("@.", "@1.")  # a template is checked as an instance
        (tmp_path / name).write_text(text)
        names.append(f"./{name}")
    assert len(names) == 3

    result = subprocess.run([analyze, "verify", "--man=no", *names], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)  # fmt: skip

    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_web_unit_loads_the_app_with_the_shipped_gunicorn_settings(app_settings,
                                                                        tmp_path):  # fmt: skip
    argv = _exec_start("tanpuhui-web.service")
    assert argv[1:] == ["--config", "deploy/gunicorn.conf.py", "wsgi:app"]

    result = subprocess.run([*argv, "--check-config"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env=process_env(app_settings, tmp_path))  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_worker_unit_runs_queued_jobs(app, app_settings, make_operator, tmp_path):
    from app.jobs import enqueue_job, job_queue

    _token, operator = make_operator()
    with app.app_context():
        job = enqueue_job("export", {"table": "checkins"}, owner_id=operator["id"])
    argv = _exec_start("tanpuhui-worker@.service")
    assert argv[1:] == ["--app", "wsgi", "ops", "worker"]

    result = subprocess.run([*argv, "--burst"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=process_env(app_settings, tmp_path))  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    with app.app_context():
        assert job_queue().fetch_job(job.id).get_status().value == "finished"


def test_the_scheduler_unit_queues_the_periodic_jobs_and_stops_on_sigterm(app, app_settings,
                                                                          tmp_path):  # fmt: skip
    from app.jobs import job_queue

    argv = _exec_start("tanpuhui-scheduler.service")
    assert argv[1:] == ["--app", "wsgi", "scheduler", "run"]
    scheduler = subprocess.Popen(argv, cwd=ROOT, env=process_env(app_settings, tmp_path))
    try:
        deadline = time.monotonic() + 60
        with app.app_context():
            while len(job_queue().job_ids) < 4 and time.monotonic() < deadline:
                time.sleep(0.2)
            queued = sorted(job_queue().job_ids)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        returncode = scheduler.wait(timeout=30)
    assert [job_id.split("-")[1] for job_id in queued] == [
        "coupon_expiry", "identity_purge", "leaderboard_rebuild", "points_expiry",
    ]  # fmt: skip
    assert returncode == 0
