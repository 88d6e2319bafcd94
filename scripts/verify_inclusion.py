#!/usr/bin/env python3
"""Check that your reduction is inside a registry batch, with nothing but Python's
standard library (核对我的减排记录是否包含在公开批次中).

Save what the mini-program's "我的减排量" shows (GET /api/v1/me/reductions) as a JSON file:
one item of its `items`, or the whole answer. This script recomputes each item's leaf hash
from its `leaf_data`, walks its `proof` up to a root, and compares that root with the
batch's public Merkle root: given with --root, or fetched from the registry's public API
(--batch-url for one batch, --base-url for the site, which finds each item's batch).

    python3 verify_inclusion.py my-share.json --base-url https://tanpuhui.example.cn/
    python3 verify_inclusion.py item.json --root 3f5a...e9
    curl ... | python3 verify_inclusion.py - --batch-url https://.../api/v1/public/registry/batches/7

The hashing is the registry's (app/registry/merkle.py): leaf = SHA-256(0x00 || leaf_data
as UTF-8), node = SHA-256(0x01 || left || right) over the raw 32-byte hashes; a step's
`side` says on which side the sibling hash sits.

Exit status: 0 every item verified; 1 some item did not (tampered data, a wrong proof, a
root that differs, a batch that is not public); 2 nothing could be checked (unreadable
input, the server unreachable).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.error
import urllib.request

LEAF_FORMAT = "r1"
MAX_ANSWER_BYTES = 1 << 20
HEX = set("0123456789abcdef")


class Failed(Exception):
    """This item does not verify (exit 1)."""


class CannotCheck(Exception):
    """Nothing could be checked (exit 2)."""


def leaf_hash(leaf_data: str) -> str:
    return hashlib.sha256(b"\x00" + leaf_data.encode("utf-8")).hexdigest()


def node_hash(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def is_hash(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value.lower()) <= HEX


def root_from_proof(leaf: str, proof: object) -> str:
    """Walk the sibling path from a leaf hash to the root it implies."""
    if not isinstance(proof, list):
        raise Failed("proof 不是列表 / proof is not a list")
    current = leaf
    for number, step in enumerate(proof, 1):
        if not isinstance(step, dict) or step.get("side") not in ("left", "right"):
            raise Failed(f"证明第 {number} 步格式错误 / proof step {number} is malformed")
        if not is_hash(step.get("hash")):
            raise Failed(f"证明第 {number} 步不是哈希值 / proof step {number} is not a hash")
        sibling = step["hash"].lower()
        current = (
            node_hash(sibling, current) if step["side"] == "left" else node_hash(current, sibling)
        )
    return current


def check_leaf_data(item: dict, pseudonym: str | None) -> list:
    """The leaf's fields, after checking they say what the item says."""
    data = item.get("leaf_data")
    if not isinstance(data, str):
        raise Failed("缺少 leaf_data / no leaf_data")
    try:
        fields = json.loads(data)
    except ValueError:
        raise Failed("leaf_data 不是 JSON / leaf_data is not JSON") from None
    if not isinstance(fields, list) or len(fields) != 8 or fields[0] != LEAF_FORMAT:
        raise Failed(f"leaf_data 不是 {LEAF_FORMAT} 格式 / leaf_data is not format {LEAF_FORMAT}")
    _, record_id, _scenario, _version, milligrams, day, _evidence, resident = fields
    claims = [
        ("record_id", record_id, item.get("record_id")),
        ("day", day, item.get("day")),
        ("pseudonym", resident, pseudonym),
    ]
    if isinstance(item.get("carbon_g"), (int, float)):
        claims.append(("carbon_mg (carbon_g x 1000)", milligrams, round(item["carbon_g"] * 1000)))
    for name, in_leaf, claimed in claims:
        if claimed is not None and in_leaf != claimed:
            raise Failed(
                f"leaf_data 的 {name} 为 {in_leaf!r}，条目写的是 {claimed!r} / "
                f"leaf_data says {name} {in_leaf!r}, the item says {claimed!r}"
            )
    return fields


def fetch_batch(url: str, timeout: float) -> dict:
    if not url.lower().startswith(("https://", "http://")):
        raise CannotCheck(f"只支持 http(s) 地址 / only http(s) URLs: {url}")
    # S310: the scheme is checked just above (http(s) only, never file:).
    request = urllib.request.Request(  # noqa: S310
        url, headers={"Accept": "application/json", "User-Agent": "verify_inclusion/1"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            body = answer.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise Failed(f"批次不存在或未公开 / no such public batch: {url}") from None
        raise CannotCheck(f"服务器返回 {error.code} / the server answered {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        raise CannotCheck(f"无法访问 / cannot reach {url}: {error}") from None
    try:
        batch = json.loads(body[:MAX_ANSWER_BYTES])
    except ValueError:
        raise CannotCheck(f"不是 JSON 应答 / not a JSON answer: {url}") from None
    if not isinstance(batch, dict) or not is_hash(batch.get("merkle_root")):
        raise Failed(f"该批次没有公开的默克尔根 / the batch shows no Merkle root: {url}")
    return batch


class Roots:
    """Where the public roots come from: one given root, one batch URL, or the site."""

    def __init__(self, args: argparse.Namespace):
        self.args, self.cache = args, {}

    def for_item(self, item: dict) -> tuple[str, str]:
        """(public root, where it came from) for the item's batch."""
        if self.args.root:
            return self.args.root.lower(), "--root"
        batch = item.get("batch") if isinstance(item.get("batch"), dict) else {}
        wanted = batch.get("id")
        if self.args.batch_url:
            url = self.args.batch_url
        elif isinstance(wanted, int):
            url = f"{self.args.base_url.rstrip('/')}/api/v1/public/registry/batches/{wanted}"
        else:
            raise Failed("条目中没有批次 id，请用 --root 或 --batch-url / no batch id in the item")
        if url not in self.cache:
            self.cache[url] = fetch_batch(url, self.args.timeout)
        public = self.cache[url]
        if wanted is not None and public.get("id") != wanted:
            raise Failed(
                f"条目属于批次 {wanted}，地址给出的是批次 {public.get('id')} / "
                f"the item is in batch {wanted}, the URL gives batch {public.get('id')}"
            )
        status = public.get("status", "?")
        return public["merkle_root"].lower(), f"{url} (serial {public.get('serial')}, {status})"


def verify_item(item: object, pseudonym: str | None, roots: Roots) -> str:
    """A line saying what was verified; raises Failed."""
    if not isinstance(item, dict):
        raise Failed("条目不是 JSON 对象 / the item is not a JSON object")
    fields = check_leaf_data(item, pseudonym)
    leaf = leaf_hash(item["leaf_data"])
    claimed = item.get("leaf_hash")
    if claimed is not None and str(claimed).lower() != leaf:
        raise Failed(
            f"leaf_hash 与 leaf_data 不符：算得 {leaf} / leaf_hash does not match leaf_data"
        )
    computed = root_from_proof(leaf, item.get("proof"))
    public, source = roots.for_item(item)
    if computed != public:
        raise Failed(
            f"由证明算出的根 {computed} 与公开的根 {public} 不一致 / the root computed from "
            f"the proof does not match the public root ({source})"
        )
    note = ""
    embedded = (
        item.get("batch", {}).get("merkle_root") if isinstance(item.get("batch"), dict) else None
    )
    if embedded and str(embedded).lower() != public:
        note = (
            "（注意：条目内附的根与公开的根不同 / note: the item's own copy of the root differs）"
        )
    return (
        f"记录 #{fields[1]}（{fields[2]}，{fields[4] / 1000:g} g，{fields[5]}）包含在默克尔根 "
        f"{public[:16]}… 中 / record {fields[1]} is included in the public root; "
        f"根来自 / root from {source}{note}"
    )


def load_items(args: argparse.Namespace) -> tuple[list, str | None]:
    try:
        if args.item == "-":
            text = sys.stdin.read()
        else:
            with open(args.item, encoding="utf-8") as handle:
                text = handle.read()
        document = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CannotCheck(f"无法读取输入 / cannot read the input: {error}") from None
    pseudonym = None
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        items, pseudonym = document["items"], document.get("pseudonym")
    else:
        items = [document]
    if args.record_id is not None:
        items = [i for i in items if isinstance(i, dict) and i.get("record_id") == args.record_id]
    if not items:
        raise CannotCheck("输入中没有要核对的条目 / no item to check in the input")
    return items, pseudonym


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="核对减排记录的默克尔包含证明 / verify a registry inclusion proof"
    )
    parser.add_argument(
        "item", nargs="?", default="-", help="a /me/reductions item or answer as JSON (- = stdin)"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--root", help="the batch's public Merkle root (64 hex digits)")
    source.add_argument("--batch-url", help="…/api/v1/public/registry/batches/<id>")
    source.add_argument("--base-url", help="the registry site, e.g. https://tanpuhui.example.cn/")
    parser.add_argument("--record-id", type=int, help="check only this record of the answer")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    args = parser.parse_args(argv)
    if args.root is not None and not is_hash(args.root):
        parser.error("--root must be 64 hexadecimal digits")
    return args


def main(argv: list[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    args = parse_args(argv)
    try:
        items, pseudonym = load_items(args)
        roots = Roots(args)
        failures = 0
        for item in items:
            try:
                print(f"通过 PASS  {verify_item(item, pseudonym, roots)}")
            except Failed as error:
                failures += 1
                record = item.get("record_id", "?") if isinstance(item, dict) else "?"
                print(f"不通过 FAIL  记录 / record {record}: {error}")
    except CannotCheck as error:
        print(f"无法核对 CANNOT CHECK  {error}")
        return 2
    if failures:
        print(f"结论 / Verdict: {failures} / {len(items)} 条未通过核对 / did NOT verify")
        return 1
    print(f"结论 / Verdict: 全部 {len(items)} 条通过核对 / all {len(items)} verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
