"""The Merkle tree a batch publishes over its members (format: docs/decisions/0802).

Leaf data is a canonical JSON array of what a record contributes, with no personal data:

    ["r1", record id, scenario code, methodology version, milligrams, day (YYYY-MM-DD),
     evidence kind, pseudonymous resident id]

leaf = SHA-256(0x00 || leaf data), node = SHA-256(0x01 || left || right) (the RFC 6962
domain separation, so a leaf can never pass for a node); a level with an odd count
carries its last hash up unchanged. Leaves are in member order (record id ascending).
`scripts/verify_inclusion.py` checks a proof with the standard library only.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

LEAF_FORMAT = "r1"


def leaf_data(
    *,
    record_id: int,
    scenario: str,
    methodology_version: int,
    carbon_mg: int,
    day: date,
    evidence_kind: str,
    resident: str,
) -> str:
    """The canonical text a member's leaf hashes."""
    return json.dumps(
        [
            LEAF_FORMAT,
            int(record_id),
            scenario,
            int(methodology_version),
            int(carbon_mg),
            day.isoformat(),
            evidence_kind,
            resident,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def leaf_hash(data: str) -> str:
    """The Merkle hash of a leaf (0x00 prefix, so a leaf never passes for an inner node)."""
    return hashlib.sha256(b"\x00" + data.encode()).hexdigest()


def _node(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def root(leaves: list[str]) -> str:
    """The root over leaf hashes ("" for no leaves)."""
    if not leaves:
        return ""
    level = leaves
    while len(level) > 1:
        level = [
            _node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
    return level[0]


def proof(leaves: list[str], index: int) -> list[dict]:
    """The sibling path from leaf `index` to the root: [{"side": "left"|"right", "hash"}]."""
    path = []
    level = leaves
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append({"side": "left" if sibling < index else "right", "hash": level[sibling]})
        level = [
            _node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        index //= 2
    return path


def verify(leaf: str, path: list[dict], expected_root: str) -> bool:
    """Whether `path` leads from `leaf` to `expected_root`."""
    current = leaf
    for step in path:
        if step["side"] == "left":
            current = _node(step["hash"], current)
        else:
            current = _node(current, step["hash"])
    return current == expected_root
