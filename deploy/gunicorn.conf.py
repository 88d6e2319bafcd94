"""gunicorn settings for a web node: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Read by deploy/systemd/tanpuhui-web.service and by the scale-out and metrics tests (which
add `--bind` / `--workers` on the command line: the command line wins over this file).
Tunables, from the environment like the app's (docs: README "Deploying at scale"):

- TPH_WEB_BIND (0.0.0.0:8000), TPH_WEB_WORKERS (2 x cores + 1), TPH_WEB_THREADS (4);
- TPH_METRICS_DIR: prometheus_client's multiprocess directory root; this node's web
  workers write to <it>/web, cleared when the master starts (app/ops/metrics.py);
- TPH_LOG_FORMAT=json: gunicorn's own lines in the app's JSON format too.

The app writes one access line per request itself (with the request id and user), so
gunicorn's access log is off.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("TPH_WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("TPH_WEB_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = int(os.environ.get("TPH_WEB_THREADS", "4"))
# Longer than nginx's upstream keepalive_timeout (deploy/nginx: 60 s): the proxy, not
# gunicorn, closes an idle kept-alive connection, so nginx never sends a request down a
# connection gunicorn is closing (a POST there would be lost: nginx does not re-send it).
keepalive = 75
timeout = 60  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on SIGTERM / reload: finish what is in flight
# Recycle workers now and then (memory fragmentation); the jitter keeps them from all
# restarting together.
max_requests = 20_000
max_requests_jitter = 2_000
control_socket_disable = True
accesslog = None
errorlog = "-"
# X-Forwarded-* are read in one place only, the app's ProxyFix (PROXY_FIX_X_FOR /
# PROXY_FIX_X_PROTO: how many proxies set them), never by gunicorn itself.
forwarded_allow_ips = ""
secure_scheme_headers = {}

_metrics_root = os.environ.get("TPH_METRICS_DIR")
if _metrics_root:
    # Set before the workers import prometheus_client (it picks its mode at import).
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(_metrics_root) / "web")

if os.environ.get("TPH_LOG_FORMAT") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def on_starting(server):
    """Clear this node's web metrics files from a previous run (counters restart at 0,
    which Prometheus handles); the workers' own directories are theirs to clear."""
    own = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if own:
        shutil.rmtree(own, ignore_errors=True)
        Path(own).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A dead worker's live gauges leave the sums (its counters stay: they are history)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
