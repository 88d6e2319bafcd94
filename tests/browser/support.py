"""Helpers for the browser tests: a console tab, and a resident acting over HTTP."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.helpers import bearer


@dataclass
class ConsolePage:
    """A Playwright page on the console that records JS errors and takes screenshots."""

    page: object
    base_url: str
    shots: Path
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error" and "status of 4" not in msg.text
                else None
            ),
        )

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def login(self, username: str, password: str, expect_path: str = "/console/") -> None:
        self.goto("/console/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("#login-submit")
        self.page.wait_for_url(self.base_url + expect_path)
        self.page.wait_for_selector("#content:not(.hidden)")

    def open(self, slug: str) -> None:
        self.goto(f"/console/{slug}")
        self.page.wait_for_selector("#content:not(.hidden)")

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def assert_no_js_errors(self) -> None:
        assert self.errors == [], self.errors


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


@dataclass
class Resident:
    """A resident using the API the way the mini-program does."""

    base_url: str
    token: str
    user_id: int
    openid: str

    @classmethod
    def login(cls, base_url: str, sandbox) -> Resident:
        minted = sandbox.login_code()
        body = requests.post(
            base_url + "/api/v1/auth/wx-login", json={"code": minted["code"]}, timeout=10
        ).json()
        return cls(base_url, body["token"], body["user"]["id"], minted["openid"])

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {**bearer(self.token), **kwargs.pop("headers", {})}
        return requests.request(
            method, self.base_url + "/api/v1" + path, headers=headers, timeout=15, **kwargs
        )

    def photo_checkin(self, image: bytes, scenario: str = "clean_plate") -> dict:
        uploaded = self.call("POST", "/uploads", files={"file": ("p.jpg", io.BytesIO(image))})
        assert uploaded.status_code == 201, uploaded.text
        response = self.call(
            "POST",
            "/checkins",
            json={
                "scenario": scenario,
                "evidence": {"type": "photo", "upload_id": uploaded.json()["upload_id"]},
            },
        )
        assert response.status_code == 201, response.text
        return response.json()

    def balance(self) -> int:
        return self.call("GET", "/me/account").json()["points_balance"]


def console_user(app, username: str, password: str, role: str = "operator") -> int:
    """A console account made directly in the (shared) test database; returns its id."""
    from app.extensions import db
    from app.users.service import create_console_user

    with app.app_context():
        user_id = create_console_user(username, password, role=role).id
        db.session.commit()
        db.session.remove()
    return user_id
