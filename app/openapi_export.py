"""Write the OpenAPI document to a file: `python -m app.openapi_export build/openapi.json`.

Used by CI so the mini-program's contract test checks its calls against the real spec.
Building the document needs no database or Redis connection.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app import create_app


def main() -> None:
    """Write the API's OpenAPI document to the path given (default build/openapi.json)."""
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "build/openapi.json")
    app = create_app()
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(spec, ensure_ascii=False, indent=2))
    print(f"wrote {target} ({len(spec['paths'])} paths)")


if __name__ == "__main__":
    main()
