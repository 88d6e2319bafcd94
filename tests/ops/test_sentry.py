"""Sentry, when SENTRY_DSN is set: an unhandled error reaches it (here a loopback stand-in
for Sentry's envelope endpoint, in a child process: the client is process-wide) tagged
with the request id; without a DSN nothing is sent."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers import ROOT, process_env

SCRIPT = """
import sentry_sdk
import wsgi

@wsgi.app.get("/boom")
def boom():
    raise RuntimeError("kaboom")

headers = {"X-Request-ID": "sentry-req-1", "Authorization": "Bearer resident-token-xyz"}
answer = wsgi.app.test_client().get("/boom", headers=headers)
print(answer.status_code, answer.headers["X-Request-ID"])
sentry_sdk.flush(timeout=10)
"""


class _Envelopes(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args):
        pass


def _run(app_settings, tmp_path, **env) -> tuple[subprocess.CompletedProcess, list[bytes]]:
    received: list[bytes] = []
    handler = type("Handler", (_Envelopes,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
    try:
        environment = process_env(app_settings, tmp_path, **{
            k: v.format(dsn=dsn) for k, v in env.items()})  # fmt: skip
        result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
    finally:
        server.shutdown()
    return result, received


def _events(received: list[bytes]) -> list[dict]:
    events = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                events.append(json.loads(payload))
    return events


def test_an_unhandled_error_reaches_sentry_with_the_request_id(app_settings, tmp_path):
    result, received = _run(app_settings, tmp_path, SENTRY_DSN="{dsn}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["500", "sentry-req-1"]
    events = _events(received)
    assert len(events) == 1, received
    event = events[0]
    assert event["tags"]["request_id"] == "sentry-req-1"
    assert event["exception"]["values"][-1]["value"] == "kaboom"
    assert event["environment"] == "testing"
    assert b"resident-token-xyz" not in b"".join(received)  # no tokens sent out


def test_without_a_dsn_nothing_is_sent(app_settings, tmp_path):
    result, received = _run(app_settings, tmp_path)

    assert result.returncode == 0, result.stderr
    assert received == []
