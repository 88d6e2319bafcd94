"""The floors of the house, checked on the source (issue 14).

- A domain is a package of app/ with a service.py. Domains import each other only
  through the other's `service` (and its `models`, `errors`, `schemas`: rows for
  foreign keys and read queries, errors to catch, shapes to reuse); a seed may use
  another domain's seed.
- No cycle between domains, counting every import, also those inside functions.
- Modules below the domains (app/*.py, app/ops/, app/wechat/) import no domain; only the
  app factory (app/__init__.py), the console, the periodic jobs' schedule and the demo
  data may.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
DOMAINS = frozenset(p.name for p in APP.iterdir() if (p / "service.py").exists())
PUBLIC = frozenset({"service", "models", "errors", "schemas"})
# May import any domain's modules: the console (operators' pages over every domain), the
# schedule of periodic jobs, and the demo data (it tells a story across every domain).
ABOVE = frozenset({"console", "periodic", "demo"})
# Below the domains but reading one domain's rows: authenticating a request reads the
# users' token and role rows (app/auth.py is the users domain's gate for every view).
BELOW_READS = frozenset({(("auth",), "users", "models")})
# The audit domain's `@audited` is for other domains' views (the audit rule, docs/decisions/
# 0908): the one public helper outside service/models/errors/schemas.
EXTRA_PUBLIC = frozenset({("audit", "views")})


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "app" and len(parts) > 1:
                names = [parts[2]] if len(parts) > 2 else [a.name for a in node.names]
                yield node.lineno, parts[1], names
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "app" and len(parts) > 1:
                    yield node.lineno, parts[1], parts[2:3] or [""]


def _modules():
    for path in sorted(APP.rglob("*.py")):
        parts = path.relative_to(APP).with_suffix("").parts
        yield path, parts


def test_domains_meet_only_through_their_public_modules():
    wrong = []
    for path, parts in _modules():
        if len(parts) < 2 or parts[0] not in DOMAINS:
            continue
        for line, other, names in _imports(path):
            if other not in DOMAINS or other == parts[0]:
                continue
            for name in names:
                seeds = parts[-1] == "seed" and name == "seed"
                if name not in PUBLIC and not seeds and (other, name) not in EXTRA_PUBLIC:
                    wrong.append(f"{path.relative_to(APP)}:{line} -> app.{other}.{name}")
    assert wrong == []


def test_no_import_cycle_between_domains():
    graph: dict[str, set[str]] = defaultdict(set)
    for path, parts in _modules():
        if len(parts) >= 2 and parts[0] in DOMAINS:
            for _line, other, _names in _imports(path):
                if other in DOMAINS and other != parts[0]:
                    graph[parts[0]].add(other)

    def reaches(start: str, goal: str) -> list[str] | None:
        stack, seen = [(start, [start])], {start}
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == goal:
                    return [*trail, nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
        return None

    cycles = {" -> ".join(c) for d in sorted(DOMAINS) if (c := reaches(d, d))}
    assert cycles == set()


def test_nothing_below_the_domains_imports_one():
    wrong = []
    for path, parts in _modules():
        if parts[0] in DOMAINS or parts[0] in ABOVE or parts == ("__init__",):
            continue
        for line, other, names in _imports(path):
            if (parts, other, names[0]) in BELOW_READS:
                continue
            if other in DOMAINS or other in ABOVE:
                wrong.append(f"{path.relative_to(APP)}:{line} -> app.{other}.{names[0]}")
    assert wrong == []


def test_services_never_commit():
    """One commit per request at the boundary (app/requests.py); outside a request the
    job (app/console/job_kinds.py), a CLI command or a seed owns its commits."""
    # The partner webhook's delivery log is written in a transaction of its own once the
    # request's has ended (refused calls are logged too): a boundary, like requests.py.
    owners = {("requests",), ("console", "job_kinds"), ("periodic",), ("checkins", "partner_api")}
    wrong = []
    for path, parts in _modules():
        if parts in owners or parts[-1] in {"cli", "seed"} or parts[0] == "demo":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "commit"
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "session"
            ):
                wrong.append(f"{path.relative_to(APP)}:{node.lineno}")
    assert wrong == []


def test_the_rules_see_the_domains():
    """The checks above are vacuous if the domain list is wrong."""
    assert {"carbon", "checkins", "ledger", "mall", "merchants", "registry", "users"} <= DOMAINS
    assert "console" not in DOMAINS
