"""What every public HTML page shares (the registry's and the events'): the strict CSP and
absolute public URLs for links and QR codes."""

from __future__ import annotations

from flask import current_app, request, url_for

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
