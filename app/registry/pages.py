"""The public registry pages (信息披露), no login: /registry/ and retirement certificates.

Rendered on the server (docs/decisions/0810): everything shown is public, so a page works
without script, prints as it looks, and can be linked, archived and read by a crawler or
a screen reader; the chart is an inline SVG drawn here. The JSON API under
/api/v1/public/registry/ stays the machine-readable twin of every page. A strict CSP
(no inline script or style, nothing from another origin) holds; the one script is the
certificate's print button.
"""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import NotFound as HTTPNotFound

from app.errors import NotFound
from app.public_pages import public_headers, public_url
from app.qrimage import qr_png
from app.registry import chart, service
from app.registry.labels import template_helpers

bp = Blueprint(
    "registry_pages",
    __name__,
    url_prefix="/registry",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

CERTIFICATE_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")


class SearchArgsSchema(Schema):
    """The home page's query. Unknown parameters (a campaign tag on a shared link) are
    ignored: this is a page, not the API."""

    class Meta:
        unknown = EXCLUDE

    serial = fields.String(
        load_default="",
        validate=[
            validate.Length(max=100, error="序列号不超过 100 个字符"),
            validate.Regexp(r"^\s*[A-Za-z0-9-]*\s*$", error="序列号只含字母、数字和连字符"),
        ],
    )


bp.context_processor(template_helpers)


bp.after_request(public_headers)


@bp.errorhandler(NotFound)
@bp.errorhandler(HTTPNotFound)
def _not_found(_error):
    return render_template("registry/not_found.html"), 404


@bp.get("/")
def home():
    """The public registry's home page: summary, issuance chart, serial search (400 page on a bad
    search)."""
    search_error, serial = None, ""
    try:
        serial = SearchArgsSchema().load(request.args)["serial"].strip()
    except ValidationError as error:
        search_error = error.messages["serial"][0]
    data = service.public_home(serial or None)
    html = render_template(
        "registry/home.html",
        **data,
        chart=chart.issuance_chart(data["summary"]["by_month"]),
        serial=serial,
        search_error=search_error,
    )
    return html, 400 if search_error else 200


@bp.get("/certificates")
def find_certificate():
    """The certificate lookup form: a typed id goes to its page."""
    wanted = request.args.get("id", "").strip().upper()
    if not CERTIFICATE_ID.match(wanted):
        raise HTTPNotFound()
    return redirect(url_for(".certificate", certificate_id=wanted))


@bp.get("/certificates/<string:certificate_id>")
def certificate(certificate_id: str):
    """A retirement's public certificate page; a non-canonical id redirects (301) to the canonical
    one."""
    found = _certificate(certificate_id)
    canonical = found["retirement"].certificate_id
    if certificate_id != canonical:
        return redirect(url_for(".certificate", certificate_id=canonical), 301)
    response = make_response(
        render_template(
            "registry/certificate.html",
            **found,
            public_url=public_url(".certificate", certificate_id=canonical),
        )
    )
    response.headers["Cache-Control"] = "public, max-age=300"  # a retirement never changes
    return response


@bp.get("/certificates/<string:certificate_id>/qr.png")
def certificate_qr(certificate_id: str):
    """A QR code of the certificate's public URL, for print and for phones."""
    found = _certificate(certificate_id)
    url = public_url(".certificate", certificate_id=found["retirement"].certificate_id)
    response = Response(qr_png(url), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _certificate(certificate_id: str) -> dict:
    if not CERTIFICATE_ID.match(certificate_id):
        raise HTTPNotFound()  # not an id at all: no query
    return service.certificate(certificate_id)
