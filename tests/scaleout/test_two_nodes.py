"""Scale-out on one machine: two gunicorn nodes behind nginx, sharing the database and
Redis, as production runs several stateless nodes behind a load balancer. The nodes run
deploy/gunicorn.conf.py and nginx runs deploy/nginx/tanpuhui.conf (TLS, ports and paths
changed for loopback by bench/nginx.py), so the shipped files are the tested ones.

The flash-sale race (stock 1, many residents -> exactly one coupon) and the idempotency
race (one key fired at once -> one coupon, the rest replays) go through nginx, and the
`X-Served-By` header (host:pid) shows that both nodes took part. Skipped when nginx is
not installed, unless REQUIRE_NGINX=1 (CI installs nginx and sets it).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from bench.nginx import Nginx, nginx_binary
from tests.faults.support import assert_books_balance
from tests.helpers import bearer, start_gunicorn
from tests.mall.factories import balance_of, live_offer, new_user, new_users, open_shop

pytestmark = pytest.mark.slow
THREADS = 32


@pytest.fixture(scope="module")
def cluster(app, app_settings, tmp_path_factory):
    """(nginx, {node name: gunicorn}) for two 2-worker nodes behind nginx."""
    if nginx_binary() is None:
        if os.environ.get("REQUIRE_NGINX") == "1":
            pytest.fail("nginx is required (REQUIRE_NGINX=1) but not installed")
        pytest.skip("nginx not installed (apt-get install -y nginx); CI sets REQUIRE_NGINX=1")
    base = tmp_path_factory.mktemp("scaleout")
    nodes = {}
    proxy = None
    try:
        for name in ("node-a", "node-b"):
            # One proxy in front, as in production: ProxyFix reads what nginx wrote.
            nodes[name] = start_gunicorn(app_settings, base / name, workers=2, config=True,
                                         SERVED_BY_HEADER="1", PROXY_FIX_X_FOR="1",
                                         PROXY_FIX_X_PROTO="1")  # fmt: skip
        proxy = Nginx(base / "nginx", [f"127.0.0.1:{n.port}" for n in nodes.values()]).start()
        yield proxy, nodes
    finally:
        if proxy is not None:
            proxy.stop()
        for node in nodes.values():
            node.stop()


def _node_of(response: requests.Response, nodes: dict) -> str:
    pid = int(response.headers["X-Served-By"].rsplit(":", 1)[1])
    owner = [name for name, node in nodes.items() if pid in node.worker_pids()]
    assert owner, f"pid {pid} belongs to neither node"
    return owner[0]


def _fire(proxy: Nginx, offer_id: int, jobs: list[tuple[str, str]]) -> list[requests.Response]:
    barrier = threading.Barrier(min(THREADS, len(jobs)))

    def one(job: tuple[str, str]) -> requests.Response:
        token, key = job
        barrier.wait()
        return requests.post(
            f"{proxy.url}/api/v1/offers/{offer_id}/redeem", json={},
            headers={**bearer(token), "Idempotency-Key": key, "Connection": "close"},
            timeout=60, verify=proxy.ca_file,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(one, jobs))


def _flash_offer(app, client, stock: int) -> int:
    shop = open_shop(app, client)
    start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    return live_offer(client, shop, stock=stock, points_price=10, sale_starts_at=start)


def test_flash_sale_through_nginx_sells_exactly_the_stock(app, client, cluster):
    proxy, nodes = cluster
    offer_id = _flash_offer(app, client, stock=1)
    users = new_users(app, 64, points=10)

    responses = _fire(proxy, offer_id, [(token, f"race-{uid}") for uid, token in users])

    outcomes = Counter(r.status_code if r.status_code < 400 else (r.status_code, r.json()["reason"])
                       for r in responses)  # fmt: skip
    assert outcomes == {201: 1, (409, "out_of_stock"): 63}
    assert {_node_of(r, nodes) for r in responses} == set(nodes), "both nodes took part"
    assert assert_books_balance(app, offer_id) == 1


def test_one_idempotency_key_through_nginx_redeems_once(app, client, cluster):
    proxy, nodes = cluster
    offer_id = _flash_offer(app, client, stock=10)
    user_id, token = new_user(app, points=100)

    responses = _fire(proxy, offer_id, [(token, "same-key")] * THREADS)

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["coupon"]["id"] for r in responses}) == 1, "one coupon, replayed"
    replays = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    assert len(replays) == THREADS - 1
    assert {_node_of(r, nodes) for r in responses} == set(nodes), "both nodes took part"
    assert balance_of(app, user_id) == 90
    assert assert_books_balance(app, offer_id, per_user_limit=1) == 1


def _logged(path, text: str, timeout: float = 5.0) -> bool:
    # nginx writes its access line once the answer has gone: it may come just after.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.05)
    return False


def test_the_edge_passes_request_ids_and_the_scheme_and_hides_metrics(cluster):
    proxy, _nodes = cluster

    def get(path: str, **headers: str) -> requests.Response:
        return requests.get(proxy.url + path, headers=headers, timeout=10,
                            verify=proxy.ca_file, allow_redirects=False)  # fmt: skip

    assert get("/healthz", **{"X-Request-ID": "edge-1"}).headers["X-Request-ID"] == "edge-1"
    made = get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made), "nginx's $request_id, passed on"
    assert _logged(proxy.workdir / "tanpuhui.access.log", f"rid={made}")
    # ProxyFix (x_proto=1) makes the app's own absolute links https behind TLS (nginx
    # passes `Host $host`: the name without the port, 443 in production)
    assert get("/console").headers["Location"] == "https://127.0.0.1/console/"
    assert get("/metrics", Authorization="Bearer x").status_code == 404
    plain = requests.get(proxy.http_url + "/api/v1/offers", timeout=10, allow_redirects=False)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://127.0.0.1/api/v1/offers")
