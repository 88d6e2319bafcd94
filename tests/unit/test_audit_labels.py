"""Every audited action and target kind has a Chinese name in the console's audit log
(static/ui.js ACTIONS, TARGETS): a new @audited or record_audit without one would show
its code to the operators (issue 17, readable console)."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
UI = (APP / "console" / "static" / "ui.js").read_text(encoding="utf-8")

_AUDITED = re.compile(r'@audited\(\s*"([^"]+)",\s*f?"([^"]*)"')
_RECORDED = re.compile(r'record_audit\(\s*[^,()]+,\s*(f?)"([^"]+)",\s*(f?)"([^"]*)"', re.S)


def _js_keys(name: str) -> set[str]:
    block = re.search(rf"const {name} = \{{(.*?)\}};", UI, re.S)
    assert block, name
    return {
        quoted or bare
        for quoted, bare in re.findall(r'(?:"([^"]+)"|([A-Za-z_][\w-]*))\s*:\s*"', block.group(1))
    }


def _audited_in_app() -> tuple[set[str], set[str]]:
    actions, kinds = set(), set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for action, target in _AUDITED.findall(text):
            actions.add(action)
            kinds.add(target.split(":")[0])
        for is_f, action, _, target in _RECORDED.findall(text):
            if not is_f:  # users.role.{grant|revoke}: both are listed below
                actions.add(action)
            kinds.add(target.split(":")[0])
    return actions | {"users.role.grant", "users.role.revoke"}, kinds


def test_every_audited_action_and_target_has_a_chinese_name():
    actions, kinds = _audited_in_app()
    assert len(actions) > 50  # the scan finds the app's actions
    assert sorted(actions - _js_keys("ACTIONS")) == []
    assert sorted(kinds - _js_keys("TARGETS")) == []
