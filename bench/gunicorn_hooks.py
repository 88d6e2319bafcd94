"""A gunicorn settings file for benchmarks only: each worker's GIL switch interval.

`bench.run --switch-interval MS` starts the product with `--config` this file and
BENCH_SWITCH_INTERVAL_MS in the environment (docs/decisions/1008): how long a thread
may keep the GIL before another thread of its process is let in (Python's default 5 ms).
"""

import os
import sys


def post_fork(server, worker):
    """Set the interval in the worker (the master never runs the app)."""
    milliseconds = os.environ.get("BENCH_SWITCH_INTERVAL_MS")
    if milliseconds:
        sys.setswitchinterval(float(milliseconds) / 1000)
