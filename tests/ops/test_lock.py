"""The lock files agree with the pins they were built from (scripts/check_lock.py)."""

from __future__ import annotations

from scripts import check_lock


def test_lock_files_agree_with_the_pins():
    assert check_lock.problems() == []


def test_a_pin_missing_from_the_lock_is_named(tmp_path, monkeypatch):
    for name in ("requirements.lock", "requirements-dev.lock", "requirements-dev.txt"):
        (tmp_path / name).write_text((check_lock.ROOT / name).read_text())
    (tmp_path / "requirements.txt").write_text("Flask==0.1\nnot-locked==1.0\n")
    monkeypatch.setattr(check_lock, "ROOT", tmp_path)

    found = check_lock.problems()

    assert any("flask==0.1 but requirements.lock has" in p for p in found)
    assert "requirements.txt: not-locked==1.0 is not in requirements.lock" in found
