"""`GET /metrics`: the Prometheus text of this node (or process) and of the job queue.

It answers only with `Authorization: Bearer <TPH_METRICS_TOKEN>` (404 while no token is
set), and deploy/nginx refuses it from outside: Prometheus scrapes each node directly, at
its gunicorn address. Under multiprocess mode (PROMETHEUS_MULTIPROC_DIR) the answer adds
up the files of every directory beside this process's own: all web and worker processes
of the node (app/ops/metrics.py).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import redis
from flask import Blueprint, Response, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from app.errors import NotFound, Unauthorized

blp = Blueprint("metrics", __name__)


class _NodeFiles:
    """Every process of this node: the values files of each directory beside ours."""

    def __init__(self, own_dir: str) -> None:
        self.root = Path(own_dir).parent

    def collect(self) -> Iterator[Metric]:
        files = [str(p) for p in sorted(self.root.glob("*/*.db"))]
        return iter(MultiProcessCollector.merge(files, accumulate=True))


class _ThisProcess:
    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


class _JobQueue:
    """The RQ queue read at scrape time (shared by all nodes: the same on each)."""

    def collect(self) -> Iterator[Metric]:
        from rq import Worker

        from app.jobs import job_queue

        depth = GaugeMetricFamily(
            "tanpuhui_job_queue_jobs", "Jobs in the queue by state", labels=["queue", "state"]
        )
        workers = GaugeMetricFamily("tanpuhui_job_workers", "RQ workers alive on the queue")
        up = GaugeMetricFamily("tanpuhui_job_queue_up", "1 when Redis answered the scrape")
        try:
            queue = job_queue()
            states = {
                "queued": queue.count,
                "started": queue.started_job_registry.count,
                "scheduled": queue.scheduled_job_registry.count,
                "deferred": queue.deferred_job_registry.count,
                "failed": queue.failed_job_registry.count,
            }
            for state, count in states.items():
                depth.add_metric([queue.name, state], count)
            workers.add_metric([], Worker.count(queue=queue))
            up.add_metric([], 1)
        except redis.RedisError:
            up.add_metric([], 0)
            return iter([up])
        return iter([depth, workers, up])


def render() -> bytes:
    """The exposition text of this node (or process) and of the job queue."""
    registry = CollectorRegistry(auto_describe=False)
    own_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    registry.register(_NodeFiles(own_dir) if own_dir else _ThisProcess())
    registry.register(_JobQueue())
    return generate_latest(registry)


@blp.get("/metrics")
def metrics():
    """Prometheus text format, for `Authorization: Bearer <TPH_METRICS_TOKEN>` only."""
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        raise NotFound()
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Unauthorized("需要指标令牌", reason="metrics_token_required")
    return Response(render(), mimetype=CONTENT_TYPE_LATEST)
