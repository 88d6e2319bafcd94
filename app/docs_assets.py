"""Serves Swagger UI's assets from the installed swagger-ui-bundle package.

flask-smorest's Swagger UI page would load them from a CDN; many deployments (and the
CI machines) have no internet, so the app serves its own copy.
"""

from __future__ import annotations

from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("docs_assets", __name__)


@blp.get("/api/v1/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    """One Swagger UI asset file, cached for a day."""
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
