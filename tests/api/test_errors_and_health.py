"""The one error body, health probes, and the OpenAPI document and Swagger UI."""

from __future__ import annotations

import os

from tests.conftest import make_app


def test_404_and_405_use_the_error_body(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.get_json()["reason"] == "not_found"
    wrong_method = client.delete("/api/v1/auth/wx-login")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["reason"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]


def test_500_uses_the_error_body_and_is_logged(app_settings, caplog):
    application = make_app(app_settings)

    @application.get("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = application.test_client().get("/boom")

    assert response.status_code == 500
    body = response.get_json()
    assert body == {
        "code": 500,
        "status": "Internal Server Error",
        "message": "服务器内部错误",
        "reason": "internal_error",
    }
    assert any(r.exc_info and "kaboom" in str(r.exc_info[1]) for r in caplog.records)


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_when_redis_is_down(app, client, monkeypatch):
    import redis

    def refuse():
        raise redis.ConnectionError("connection refused")

    monkeypatch.setattr(app.extensions["redis"], "ping", refuse)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["reason"] == "not_ready"
    assert response.get_json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_openapi_document_lists_the_auth_paths(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["version"] == "v1"
    for path in ("/api/v1/auth/wx-login", "/api/v1/auth/operator-login", "/api/v1/auth/logout"):
        assert path in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert spec["paths"]["/api/v1/auth/logout"]["post"]["security"] == [{"bearerAuth": []}]


def test_swagger_ui_is_served_without_a_cdn(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.data) > 100_000


def test_served_by_names_host_and_pid_only_when_asked(client, app_settings):
    """Production does not publish its host names and pids; scale-out tests and benchmarks
    turn SERVED_BY_HEADER on to see which node and worker answered."""
    assert "X-Served-By" not in client.get("/healthz").headers
    assert "X-Served-By" not in client.get("/api/v1/scenarios").headers
    asked = make_app(app_settings, SERVED_BY_HEADER=True).test_client()
    assert asked.get("/healthz").headers["X-Served-By"].endswith(f":{os.getpid()}")


def test_query_string_ids_are_read_as_numbers(client, make_operator):
    token, operator = make_operator()
    response = client.get(
        f"/api/v1/admin/audit-log?actor_id={operator['id']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_json()
    bad = client.get(
        "/api/v1/admin/audit-log?actor_id=0", headers={"Authorization": f"Bearer {token}"}
    )
    assert bad.status_code == 422


def test_unknown_query_parameters_are_refused_like_unknown_body_fields(client, make_operator):
    token, _ = make_operator()
    response = client.get(
        "/api/v1/admin/checkins?status=pending&colour=blue",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.get_json()
    assert "colour" in response.get_json()["errors"]
