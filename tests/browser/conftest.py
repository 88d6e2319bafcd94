"""Browser fixtures: Debian's Chromium driven by Playwright against the gunicorn
`live_server`, with one real RQ worker process for the console's background jobs.

Without /usr/bin/chromium the browser tests are skipped, unless REQUIRE_BROWSER=1 (CI),
where a missing browser is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.support import ConsolePage
from tests.helpers import ROOT, process_env

# Assertions wait as long as page actions do (support.py: 15 s). Playwright's default of
# 5 s was shorter than one API round trip plus a re-render on a CI machine running the
# suite beside PostgreSQL (a batch of 130 records assembled, a line added, at load 9+).
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(f"browser tests skipped: {message}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile (user-data dir).
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def rq_worker(live_server, app_settings, tmp_path_factory):
    """One `rq worker` process with the live server's settings, as the launcher runs it.

    Package-scoped: it must be gone before other tests run their own workers on the same
    queue (it would take their jobs).
    """
    workdir = tmp_path_factory.mktemp("rq")
    env = process_env(app_settings, live_server.log_path.parent)
    log = (workdir / "rq.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "--url", app_settings["REDIS_URL"],
         "--worker-class", "rq.worker.SimpleWorker", "--serializer", "json", "tanpuhui"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def console(browser, live_server, tmp_path):
    """Open console tabs (each its own browser context, so its own sessionStorage)."""
    contexts = []

    def _open() -> ConsolePage:
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
        )
        contexts.append(context)
        return ConsolePage(context.new_page(), live_server.url, tmp_path)

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def http(live_server):
    """A requests session on the live server (for the resident's side of a story)."""
    session = requests.Session()
    session.base = live_server.url
    yield session
    session.close()
