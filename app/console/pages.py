"""The console's pages: server-rendered Jinja shells whose scripts call the JSON API.

No page carries data or secrets: each shell is the same for everyone, and its script
asks the API with the bearer token the login page keeps in sessionStorage. Nothing
authenticates by cookie, so there is no CSRF surface; a strict Content-Security-Policy
(scripts only from this origin, no inline script) guards the token against injection.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, render_template, url_for

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    audience: str  # "operator" or "merchant"


OPERATOR_PAGES = (
    Page("dashboard", "数据看板", "operator"),
    Page("review", "打卡审核", "operator"),
    Page("merchants", "联盟商户", "operator"),
    Page("offers", "商品审核", "operator"),
    Page("sites", "打卡点位", "operator"),
    Page("scenarios", "场景与方法学", "operator"),
    Page("campaigns", "激励活动", "operator"),
    Page("adjustments", "积分调整", "operator"),
    Page("audit", "审计日志", "operator"),
    Page("exports", "导出与任务", "operator"),
)
MERCHANT_PAGES = (
    Page("m-offers", "我的商品", "merchant"),
    Page("m-verify", "核销", "merchant"),
    Page("m-coupons", "兑换记录", "merchant"),
    Page("m-settlement", "月度结算", "merchant"),
    Page("m-staff", "店员", "merchant"),
)
PAGES = {page.slug: page for page in OPERATOR_PAGES + MERCHANT_PAGES}


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index():
    return render_template("console/page.html", page=PAGES["dashboard"], **_nav())


@bp.get("/login")
def login():
    return render_template("console/login.html")


@bp.get("/<string:slug>")
def page(slug: str):
    if slug not in PAGES:
        abort(404)
    if slug == "dashboard":
        return redirect(url_for("console.index"))
    return render_template("console/page.html", page=PAGES[slug], **_nav())


@bp.get("/sites/<int:site_id>/print")
def print_site(site_id: int):
    return render_template("console/print_site.html", site_id=site_id)


def _nav() -> dict:
    return {"operator_pages": OPERATOR_PAGES, "merchant_pages": MERCHANT_PAGES}
