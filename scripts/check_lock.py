"""Check that the lock files still agree with the pins they were built from (CI, `make
check-lock`), without the package index.

- every pin of requirements.txt is in requirements.lock at the same version, and every pin
  of requirements-dev.txt is in requirements-dev.lock;
- the dev lock holds the whole runtime lock at the same versions (tests run what
  production installs);
- every locked package carries at least one sha256 hash.

Exits 1 naming each disagreement; `make lock` rebuilds the locks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def pins(path: Path) -> dict[str, str]:
    """`name -> version` of the `name==version` lines of a requirements file."""
    found = {}
    for line in path.read_text().splitlines():
        if match := PIN.match(line.strip()):
            found[_name(match[1])] = match[3]
    return found


def lock_entries(path: Path) -> dict[str, tuple[str, int]]:
    """`name -> (version, number of hashes)` of a lock file."""
    entries: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            current = _name(match[1])
            entries[current] = (match[3], 0)
        elif current and "--hash=sha256:" in line:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
    return entries


def problems() -> list[str]:
    found = []
    runtime = lock_entries(ROOT / "requirements.lock")
    dev = lock_entries(ROOT / "requirements-dev.lock")
    for source, lock, lock_name in (
        ("requirements.txt", runtime, "requirements.lock"),
        ("requirements-dev.txt", dev, "requirements-dev.lock"),
    ):
        for name, version in pins(ROOT / source).items():
            locked = lock.get(name)
            if locked is None:
                found.append(f"{source}: {name}=={version} is not in {lock_name}")
            elif locked[0] != version:
                found.append(f"{source}: {name}=={version} but {lock_name} has {locked[0]}")
    for name, (version, _hashes) in runtime.items():
        if dev.get(name, (None,))[0] != version:
            found.append(f"requirements-dev.lock: {name} differs from requirements.lock")
    for lock_name, lock in (("requirements.lock", runtime), ("requirements-dev.lock", dev)):
        found += [f"{lock_name}: {n} has no hash" for n, (_v, h) in lock.items() if not h]
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem)
    if found:
        print("the lock files are out of date: run `make lock`", file=sys.stderr)
        return 1
    print("lock files agree with requirements.txt and requirements-dev.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
