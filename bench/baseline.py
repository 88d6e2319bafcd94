"""The baseline: a bare Flask JSON endpoint, served by the same gunicorn settings as the
product, so each endpoint's figure can be read as a share of what Flask + gunicorn alone
can do on this machine (`gunicorn bench.baseline:app`)."""

from __future__ import annotations

from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/json")
def hello():
    return jsonify({"hello": "world"})


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
