"""The public pages of zero-carbon events (零碳活动), no login: /registry/events/ and each
event's page, which is its certificate (Chinese, printable on one A4 page, a QR code of
its own public URL).

Rendered on the server like the registry's pages (docs/decisions/0810, 0936), with their
base template, stylesheet, CSP and QR helper: everything shown is public, so a page works
without script and prints as it looks. The JSON twin is /api/v1/public/events[/<id>].
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, redirect, render_template, request, url_for
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import NotFound as HTTPNotFound

from app.errors import NotFound
from app.events import service
from app.events.labels import template_helpers
from app.pagination import InvalidCursor
from app.public_pages import public_headers, public_url
from app.qrimage import qr_png
from app.registry import service as registry

bp = Blueprint("event_pages", __name__, url_prefix="/registry/events", template_folder="templates")

PUBLIC_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
PAGE_SIZE = 50


class ListArgsSchema(Schema):
    """The list page's query; unknown parameters (a shared link's tags) are ignored."""

    class Meta:
        unknown = EXCLUDE

    cursor = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="分页参数无效"),
    )


bp.context_processor(registry.template_helpers)
bp.context_processor(template_helpers)


bp.after_request(public_headers)


@bp.errorhandler(NotFound)
@bp.errorhandler(HTTPNotFound)
def _not_found(_error):
    return render_template("events/not_found.html"), 404


@bp.get("/")
def index():
    """The public list of events, one cursor page at a time (400 page on a bad cursor)."""
    error, rows, next_cursor = None, [], None
    try:
        cursor = ListArgsSchema().load(request.args)["cursor"]
        rows, next_cursor = service.public_list(PAGE_SIZE, cursor)
    except (ValidationError, InvalidCursor):
        error = "分页参数无效，请从第一页开始浏览。"
    html = render_template(
        "events/list.html",
        rows=rows,
        next_cursor=next_cursor,
        error=error,
        paged="cursor" in request.args,
    )
    return html, 400 if error else 200


@bp.get("/<string:public_id>")
def event(public_id: str):
    """An event's public certificate page; a non-canonical id redirects (301) to the
    canonical one."""
    found = _event(public_id)
    if public_id != found.public_id:
        return redirect(url_for(".event", public_id=found.public_id), 301)
    return render_template(
        "events/certificate.html",
        **service.public_view(found),
        public_url=public_url(".event", public_id=found.public_id),
    )


@bp.get("/<string:public_id>/qr.png")
def event_qr(public_id: str):
    """A QR code of the event page's public URL, for print and for phones."""
    found = _event(public_id)
    response = Response(
        qr_png(public_url(".event", public_id=found.public_id)), mimetype="image/png"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _event(public_id: str):
    if not PUBLIC_ID.match(public_id):
        raise HTTPNotFound()  # not an id at all: no query
    return service.find_public(public_id)
