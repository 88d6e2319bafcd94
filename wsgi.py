"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # The message names every bad setting; a traceback would only bury it.
    sys.exit(f"tanpuhui will not start: {exc}")
