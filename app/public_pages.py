"""What every public HTML page shares (the registry's and the events'): the strict CSP and
other response headers, and absolute public URLs for links and QR codes."""

from __future__ import annotations

from flask import Response, current_app, request, url_for

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def public_url(endpoint: str, **values) -> str:
    """The absolute public URL of a page: on PUBLIC_BASE_URL when configured (set it in
    production, the Host header is the client's to choose), else on the request's root."""
    path = url_for(endpoint, **values)[len(request.script_root) :]
    base = current_app.config.get("PUBLIC_BASE_URL") or request.url_root
    return base.rstrip("/") + path


def public_headers(response: Response) -> Response:
    """A blueprint's `after_request`: the CSP and hardening headers, and a short shared
    cache for public data that changes with each issuance, retirement or event step."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if "Cache-Control" not in response.headers:
        fresh = response.status_code < 400
        response.headers["Cache-Control"] = "public, max-age=60" if fresh else "no-store"
    return response
