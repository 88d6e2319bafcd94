"""app.wechat against the sandbox: token refresh, codes, messages, encryptedData checks."""

from __future__ import annotations

import base64
import time

import pytest
import requests

from app.wechat import wechat
from app.wechat.errors import InvalidEncryptedData, StaleData


@pytest.fixture
def logged_in_session_key(app, sandbox):
    """Run code2session through app.wechat; returns (openid, session_key)."""
    minted = sandbox.login_code()
    with app.app_context():
        session = wechat.code_to_session(minted["code"])
    return session.openid, session.session_key


def test_code_to_session_hides_the_session_key_in_repr(app, sandbox):
    minted = sandbox.login_code()
    with app.app_context():
        session = wechat.code_to_session(minted["code"])
    assert session.openid == minted["openid"]
    assert session.session_key not in repr(session)


def test_decrypts_werun_data_and_checks_the_watermark(app, sandbox, logged_in_session_key):
    openid, session_key = logged_in_session_key
    steps = [{"timestamp": int(time.time()) - 86400, "step": 6500}]
    payload = sandbox.werun_data(openid, steps)

    with app.app_context():
        data = wechat.decrypt_user_data(session_key, payload["encrypted_data"], payload["iv"], 300)

    assert data["stepInfoList"] == steps


def test_tampered_data_is_invalid(sandbox, app, logged_in_session_key):
    openid, session_key = logged_in_session_key
    payload = sandbox.werun_data(openid, [{"timestamp": 1, "step": 1}])
    raw = bytearray(base64.b64decode(payload["encrypted_data"]))
    raw[-1] ^= 0xFF
    tampered = base64.b64encode(bytes(raw)).decode()

    for encrypted, iv in [(tampered, payload["iv"]), ("not base64!", payload["iv"]),
                          (payload["encrypted_data"], "AAAA")]:  # fmt: skip
        with app.app_context(), pytest.raises(InvalidEncryptedData):
            wechat.decrypt_user_data(session_key, encrypted, iv, 300)


def test_other_appid_in_watermark_is_invalid(sandbox, app, logged_in_session_key):
    openid, session_key = logged_in_session_key
    payload = sandbox.werun_data(openid, [], appid="wx-some-other-app")
    with app.app_context(), pytest.raises(InvalidEncryptedData):
        wechat.decrypt_user_data(session_key, payload["encrypted_data"], payload["iv"], 300)


def test_old_watermark_is_stale(sandbox, app, logged_in_session_key):
    openid, session_key = logged_in_session_key
    payload = sandbox.werun_data(openid, [], watermark_timestamp=int(time.time()) - 3600)
    with app.app_context(), pytest.raises(StaleData):
        wechat.decrypt_user_data(session_key, payload["encrypted_data"], payload["iv"], 300)


def test_subscribe_message_survives_an_expired_token(app, sandbox, sandbox_url):
    with app.app_context():
        wechat.send_subscribe_message("openid-1", "tmpl", {"thing1": {"value": "审核通过"}})
        requests.post(sandbox_url + "sandbox/expire-tokens", timeout=5)
        wechat.send_subscribe_message("openid-1", "tmpl", {"thing1": {"value": "再次"}})

    sent = sandbox.messages()
    assert [m["data"]["thing1"]["value"] for m in sent[-2:]] == ["审核通过", "再次"]


def test_unlimited_code_is_a_png_and_text_check_flags_risky_words(app, sandbox):
    with app.app_context():
        png = wechat.get_unlimited_code("site=42", page="pages/checkin/index")
        assert png.startswith(b"\x89PNG")
        assert wechat.text_is_safe("今天光盘了", "openid-1") is True
        assert wechat.text_is_safe("这里有赌博", "openid-1") is False
