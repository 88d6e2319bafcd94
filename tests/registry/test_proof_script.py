"""scripts/verify_inclusion.py, run as a resident would: a plain `python -I -S` (no app,
no site-packages) on a real item of GET /me/reductions, against the batch's public root
given by hand or fetched from the live server; tampered items fail; its hashing is
merkle.py's on trees of every shape."""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import json
import subprocess
import sys

from app.registry import merkle
from tests.helpers import ROOT, bearer
from tests.registry.public_support import retired_story

SCRIPT = ROOT / "scripts" / "verify_inclusion.py"
PUBLIC = "/api/v1/public/registry"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    # -I: no PYTHONPATH, no user site, not the script's folder; -S: no site-packages at all.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd="/",
    )


def share_and_root(app, client, make_operator) -> tuple[dict, str, dict]:
    story = retired_story(app, client, make_operator)
    share = client.get("/api/v1/me/reductions", headers=bearer(story.resident_token)).get_json()
    assert sorted(i["record_id"] for i in share["items"]) == story.resident_records
    public = client.get(f"{PUBLIC}/batches/{story.batch['id']}").get_json()
    assert share["items"][0]["proof"], "a batch of 133 leaves gives a non-empty path"
    return share, public["merkle_root"], public


def test_a_real_item_verifies_against_the_public_root(app, client, make_operator, tmp_path):
    share, root, _ = share_and_root(app, client, make_operator)
    item_file = tmp_path / "item.json"
    item_file.write_text(json.dumps(share["items"][0], ensure_ascii=False), encoding="utf-8")

    result = run(str(item_file), "--root", root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "通过 PASS" in result.stdout and "all 1 verified" in result.stdout
    whole = run("-", "--root", root.upper(), stdin=json.dumps(share))  # the whole answer, stdin
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert whole.stdout.count("通过 PASS") == 3


def _rehashed(item: dict) -> dict:
    item["leaf_hash"] = hashlib.sha256(b"\x00" + item["leaf_data"].encode()).hexdigest()
    return item


def _more_carbon(item: dict) -> dict:
    """Ten times the carbon, claimed consistently: only the hashes can tell."""
    fields = json.loads(item["leaf_data"])
    fields[4] *= 10
    item["leaf_data"] = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    item["carbon_g"] = fields[4] / 1000
    return item


def _flip_proof_hash(item: dict) -> dict:
    step = item["proof"][0]
    step["hash"] = ("0" if step["hash"][0] != "0" else "1") + step["hash"][1:]
    return item


def _swap_side(item: dict) -> dict:
    step = item["proof"][-1]
    step["side"] = "left" if step["side"] == "right" else "right"
    return item


def _drop_step(item: dict) -> dict:
    item["proof"].pop()
    return item


def _claim_more(item: dict) -> dict:
    item["carbon_g"] *= 10
    return item


ROOT_DIFFERS = "does not match the public root"
TAMPERINGS = {  # name: (tampering, what the script must say)
    "leaf_data changed, leaf_hash left": (_more_carbon, "leaf_hash does not match leaf_data"),
    "leaf_data changed and rehashed": (lambda i: _rehashed(_more_carbon(i)), ROOT_DIFFERS),
    "proof hash changed": (_flip_proof_hash, ROOT_DIFFERS),
    "proof side swapped": (_swap_side, ROOT_DIFFERS),
    "proof step dropped": (_drop_step, ROOT_DIFFERS),
    "item claims more than its leaf": (_claim_more, "the item says 800000"),
    "leaf_data not the r1 format": (
        lambda i: _rehashed({**i, "leaf_data": '["r0"]'}),
        "leaf_data is not format r1",
    ),
}


def test_tampered_items_fail(app, client, make_operator, tmp_path):
    share, root, _ = share_and_root(app, client, make_operator)
    for name, (tamper, says) in TAMPERINGS.items():
        item = tamper(copy.deepcopy(share["items"][0]))
        result = run("-", "--root", root, stdin=json.dumps(item))
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert "不通过 FAIL" in result.stdout and "did NOT verify" in result.stdout, name
        assert says in result.stdout, (name, result.stdout)
    other_root = hashlib.sha256(b"another batch").hexdigest()
    assert run("-", "--root", other_root, stdin=json.dumps(share["items"][0])).returncode == 1
    mixed = copy.deepcopy(share)
    _flip_proof_hash(mixed["items"][1])
    result = run("-", "--root", root, stdin=json.dumps(mixed))
    assert result.returncode == 1 and result.stdout.count("通过 PASS") == 2
    assert run("-", "--root", "not-a-hash", stdin="{}").returncode == 2  # usage
    assert run("-", "--root", root, stdin="not json").returncode == 2


def test_the_root_is_fetched_from_the_live_public_api(app, client, make_operator, live_server):
    share, _root, public = share_and_root(app, client, make_operator)
    answer = json.dumps(share)
    by_site = run("-", "--base-url", live_server.url + "/", stdin=answer)
    assert by_site.returncode == 0, by_site.stdout + by_site.stderr
    assert public["serial"] in by_site.stdout and "issued" in by_site.stdout
    batch_url = f"{live_server.url}{PUBLIC}/batches/{public['id']}"
    one = run("-", "--batch-url", batch_url, "--record-id", str(share["items"][0]["record_id"]),
              stdin=answer)  # fmt: skip
    assert one.returncode == 0 and "all 1 verified" in one.stdout, one.stdout + one.stderr

    wrong_batch = run("-", "--batch-url", f"{live_server.url}{PUBLIC}/batches/999999", stdin=answer)
    assert wrong_batch.returncode == 1 and "no such public batch" in wrong_batch.stdout
    tampered = _flip_proof_hash(copy.deepcopy(share["items"][0]))
    assert run("-", "--base-url", live_server.url, stdin=json.dumps(tampered)).returncode == 1
    unreachable = run("-", "--base-url", "http://127.0.0.1:9", "--timeout", "3", stdin=answer)
    assert unreachable.returncode == 2 and "CANNOT CHECK" in unreachable.stdout


def test_the_script_uses_the_standard_library_only():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for alias in n.names}  # fmt: skip
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported - {"__future__"} <= sys.stdlib_module_names, imported


def test_the_script_hashes_exactly_as_the_registry_does():
    spec = importlib.util.spec_from_file_location("verify_inclusion", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for count in range(1, 34):  # odd levels carry their last hash up: every shape up to 2^5+1
        data = [f'["r1",{i},"公交",1,80000,"2026-11-10","qr","ab{i}"]' for i in range(count)]
        leaves = [merkle.leaf_hash(d) for d in data]
        assert [script.leaf_hash(d) for d in data] == leaves
        root = merkle.root(leaves)
        for index in range(count):
            assert script.root_from_proof(leaves[index], merkle.proof(leaves, index)) == root
