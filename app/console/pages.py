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
    audience: str  # "operator", "merchant", "verifier" or "holder" (console.js AUDIENCES)
    scripts: tuple[str, ...] = ()  # shared scripts the page needs besides console.js
    group: str = ""  # a sub-heading in the nav, printed where the group starts


REGISTRY = ("registry.js",)  # the registry pages' labels and helpers
EVENTS = ("registry.js", "events.js")  # + the events' labels and tables
_REG = "核证减排量"
_SINKS = "碳汇与零碳活动"

OPERATOR_PAGES = (
    Page("dashboard", "数据看板", "operator"),
    Page("review", "打卡审核", "operator"),
    Page("residents", "居民", "operator"),
    Page("merchants", "联盟商户", "operator"),
    Page("applications", "入驻申请", "operator"),
    Page("offers", "商品管理", "operator"),
    Page("sites", "打卡点位", "operator"),
    Page("partners", "合作方", "operator"),
    Page("scenarios", "场景与方法学", "operator"),
    Page("campaigns", "激励活动", "operator"),
    Page("adjustments", "积分调整", "operator"),
    Page("accounts", "账号管理", "operator"),
    Page("audit", "审计日志", "operator"),
    Page("exports", "导出与任务", "operator"),
    # The registry (核证减排量登记): programmes, batches, organisations, movements.
    Page("programmes", "减排项目", "operator", REGISTRY, _REG),
    Page("batches", "核算批次", "operator", REGISTRY, _REG),
    Page("holders", "持有机构", "operator", REGISTRY, _REG),
    Page("verifiers", "核查机构", "operator", REGISTRY, _REG),
    Page("movements", "转让与注销", "operator", REGISTRY, _REG),
    Page("buffer", "缓冲账户", "operator", REGISTRY, _REG),
    # Carbon sinks, personal offsets and zero-carbon events (issue 16).
    Page("sinks", "碳汇项目", "operator", REGISTRY, _SINKS),
    Page("offset-pools", "一元碳汇", "operator", REGISTRY, _SINKS),
    Page("events", "零碳活动", "operator", EVENTS, _SINKS),
)
MERCHANT_PAGES = (
    Page("m-offers", "我的商品", "merchant"),
    Page("m-verify", "核销", "merchant"),
    Page("m-coupons", "兑换记录", "merchant"),
    Page("m-settlement", "月度结算", "merchant"),
    Page("m-staff", "店员", "merchant"),
)
VERIFIER_PAGES = (
    Page("v-inbox", "待核查批次", "verifier", REGISTRY),
    Page("v-events", "待核查活动", "verifier", EVENTS),
)
HOLDER_PAGES = (
    Page("h-holdings", "我的持有", "holder", REGISTRY),
    Page("h-transfer", "转让减排量", "holder", REGISTRY),
    Page("h-retire", "注销减排量", "holder", REGISTRY),
    Page("h-records", "转让与注销记录", "holder", REGISTRY),
    Page("h-events", "我的活动", "holder", EVENTS),
)
# The sidebar: (audience, heading, pages); a tab shows the groups of its caller's roles.
NAV = (
    ("operator", "运营", OPERATOR_PAGES),
    ("merchant", "商户", MERCHANT_PAGES),
    ("verifier", "核查机构", VERIFIER_PAGES),
    ("holder", "持有机构", HOLDER_PAGES),
)
PAGES = {page.slug: page for _, _, pages in NAV for page in pages}


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
    """The console's dashboard page."""
    return render_template("console/page.html", page=PAGES["dashboard"], **_nav())


@bp.get("/login")
def login():
    """The console's login page."""
    return render_template("console/login.html")


@bp.get("/<string:slug>")
def page(slug: str):
    """One console page by its slug; 404 for an unknown slug, the dashboard redirects to /."""
    if slug not in PAGES:
        abort(404)
    if slug == "dashboard":
        return redirect(url_for("console.index"))
    return render_template("console/page.html", page=PAGES[slug], **_nav())


@bp.get("/sites/<int:site_id>/print")
def print_site(site_id: int):
    """A site's printable QR sheet (the page fetches the QR itself)."""
    return render_template("console/print_site.html", site_id=site_id)


@bp.get("/events/<int:event_id>/qr")
def print_event_qr(event_id: int):
    """The attendees' QR of an organiser's event, to print (the image needs its token)."""
    return render_template("console/print_event_qr.html", event_id=event_id)


def _nav() -> dict:
    return {"nav": NAV}
