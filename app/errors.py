"""The error hierarchy and the one JSON error body.

Every non-2xx answer has the shape
`{"code", "status", "message", "reason", "errors"?}` (see ../shared/API.md).
Services raise `AppError` subclasses; the handlers here turn them, werkzeug's HTTP errors,
webargs validation errors and anything unexpected into that body.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, jsonify
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from app.ops import metrics

log = logging.getLogger(__name__)


class ErrorSchema(ma.Schema):
    """The one error body, as published in the OpenAPI document (documentation only).

    Some errors add context fields (e.g. `starts_at`, `checks`), hence INCLUDE.
    """

    class Meta:
        unknown = ma.INCLUDE

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status phrase"})
    message = ma.fields.String(required=True, metadata={"description": "用户可读的说明"})
    reason = ma.fields.String(required=True, metadata={"description": "machine-readable slug"})
    errors = ma.fields.Dict(metadata={"description": "per-field messages (validation only)"})


class AppError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    reason = "bad_request"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, reason: str | None = None, **extra: Any):
        super().__init__(message or self.message)
        self.message = message or self.message
        if reason:
            self.reason = reason
        self.extra = extra


class BadRequest(AppError):
    status, reason, message = 400, "bad_request", "请求有误"


class Unauthorized(AppError):
    status, reason, message = 401, "unauthorized", "请先登录"


class Forbidden(AppError):
    status, reason, message = 403, "forbidden", "没有权限"


class NotFound(AppError):
    status, reason, message = 404, "not_found", "未找到"


class Conflict(AppError):
    """A business rule said no (409)."""

    status, reason, message = 409, "conflict", "操作与当前状态冲突"


class Unprocessable(AppError):
    status, reason, message = 422, "validation_error", "请求内容无效"


class RateLimited(AppError):
    status, reason, message = 429, "rate_limited", "操作太频繁，请稍后再试"


class ServiceUnavailable(AppError):
    status, reason, message = 503, "service_unavailable", "服务暂时不可用，请稍后再试"


class UpstreamError(AppError):
    """An outside service (WeChat) failed or timed out."""

    status, reason, message = 502, "upstream_error", "上游服务暂时不可用"


# Reason slugs and Chinese messages for werkzeug's own HTTP errors.
HTTP_ERRORS = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "请先登录"),
    403: ("forbidden", "没有权限"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "无法提供所要求的格式"),
    409: ("conflict", "操作与当前状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "请求内容无效"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}


def error_body(
    status: int, reason: str, message: str, errors: dict | None = None, **extra: Any
) -> dict:
    """The JSON body of an error answer: code, status phrase, message, reason, and the field
    errors and `extra` keys when given."""
    body: dict[str, Any] = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "message": message,
        "reason": reason,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _json_error(status: int, reason: str, message: str, errors: dict | None = None, **extra):
    metrics.ERROR_ANSWERS.labels(str(status), reason).inc()
    response = jsonify(error_body(status, reason, message, errors, **extra))
    response.status_code = status
    return response


def _flatten_webargs_messages(messages: dict) -> dict:
    """webargs nests messages by location ({"json": {...}}); the API shows fields only."""
    flat: dict = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            flat.update(location_messages)
        else:
            flat.setdefault("_schema", []).extend(location_messages)
    return flat


def register_error_handlers(app: Flask) -> None:
    """Install the handlers that make every error answer the one JSON body."""

    @app.errorhandler(AppError)
    def handle_app_error(error: AppError):
        return _json_error(error.status, error.reason, error.message, **error.extra)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        reason, message = HTTP_ERRORS.get(
            status, (HTTPStatus(status).phrase.lower().replace(" ", "_"), error.description or "")
        )
        errors = None
        if status == 422 and data.get("messages"):
            errors = _flatten_webargs_messages(data["messages"])
        response = _json_error(status, reason, message, errors)
        for header in ("Allow", "Retry-After"):
            if value := error.get_response().headers.get(header):
                response.headers[header] = value
        return response

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(error: OperationalError):
        log.warning("database operational error: %s", error.orig)
        return _json_error(503, "database_unavailable", "数据库暂时不可用，请稍后再试")

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    @app.errorhandler(UnicodeError)
    def handle_unstorable_value(error: Exception):
        # A value our schemas let through but the database (or its driver) cannot hold:
        # a number beyond 64 bits, a NUL byte or a lone surrogate in a string. Nothing was
        # written (the request rolls back); the caller sent something no client should.
        log.warning("value refused by the database layer: %s", error, exc_info=error)
        return _json_error(422, "invalid_value", "请求中有超出范围或无法保存的值")

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http_exception(error)
        log.exception("unhandled error")
        return _json_error(500, "internal_error", "服务器内部错误")
