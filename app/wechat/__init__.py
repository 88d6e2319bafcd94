"""The only place that talks to WeChat.

`wechat` (bound in create_app) offers what the product needs: code2session, decrypting
encryptedData with a user's session_key, subscribe messages, unlimited mini-program codes,
text security checks (msg_sec_check v2) and image security checks (img_sec_check). In
development and tests WECHAT_API_BASE_URL points at the project's sandbox
(`app.wechat.sandbox`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis
import requests
from cryptography.fernet import Fernet, InvalidToken
from flask import Flask, current_app
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import WeChatClientException

from app.keys import derive_key, fernet_for
from app.wechat.client import ProjectWeChatClient
from app.wechat.errors import InvalidEncryptedData, StaleData, WeChatLoginFailed, WeChatUnavailable

log = logging.getLogger(__name__)

# code2session errcodes that mean "this code is no good" rather than "WeChat is down".
LOGIN_CODE_ERRORS = {40029, 40163, 40226, 45011}
# subscribe/send: the resident has not accepted (or has used up) this template's
# subscription. Final: retrying cannot change it; the notice is skipped.
NOT_SUBSCRIBED = 43101
# img_sec_check: the image contains risky content.
RISKY_IMAGE = 87014


@dataclass(frozen=True)
class WxSession:
    openid: str
    session_key: str
    unionid: str | None = None

    def __repr__(self) -> str:  # never let a session_key reach a log line
        return f"WxSession(openid={self.openid!r}, session_key=<hidden>)"


@dataclass(frozen=True)
class _AppWeChat:
    """What one app needs to talk to WeChat: its client and session-key cipher."""

    appid: str
    client: ProjectWeChatClient
    fernet: Fernet


class WeChat:
    """Flask extension wrapping ProjectWeChatClient with the product's error vocabulary.

    State lives per app in `app.extensions["wechat"]`, so several apps in one process
    (tests) never share a client or a timeout.
    """

    def init_app(self, app: Flask, redis_conn: redis.Redis) -> None:
        key = derive_key(app.config["SECRET_KEY"], b"wechat-session-key", b"fernet")
        app.extensions["wechat"] = _AppWeChat(
            appid=app.config["WECHAT_APPID"],
            client=ProjectWeChatClient(
                appid=app.config["WECHAT_APPID"],
                secret=app.config["WECHAT_SECRET"],
                base_url=app.config["WECHAT_API_BASE_URL"],
                redis_conn=redis_conn,
                timeout=app.config["WECHAT_TIMEOUT_SECONDS"],
            ),
            fernet=fernet_for(key),
        )

    @property
    def _state(self) -> _AppWeChat:
        return current_app.extensions["wechat"]

    @property
    def client(self) -> ProjectWeChatClient:
        return self._state.client

    @property
    def appid(self) -> str:
        return self._state.appid

    def code_to_session(self, code: str) -> WxSession:
        """Exchange a wx.login code. Raises WeChatLoginFailed or WeChatUnavailable."""
        try:
            # access_token=None: jscode2session needs none, and wechatpy would fetch one.
            result = self.client.get(
                self.client.base_url + "sns/jscode2session",
                params={
                    "appid": self.appid,
                    "secret": self.client.secret,
                    "js_code": code,
                    "grant_type": "authorization_code",
                    "access_token": None,
                },
            )
        except WeChatClientException as exc:
            if exc.errcode in LOGIN_CODE_ERRORS:
                raise WeChatLoginFailed() from None
            log.warning("jscode2session failed: errcode=%s", exc.errcode)
            raise WeChatUnavailable() from None
        except requests.RequestException as exc:
            log.warning("jscode2session unreachable: %s", type(exc).__name__)
            raise WeChatUnavailable() from None
        if not isinstance(result, dict) or "openid" not in result or "session_key" not in result:
            raise WeChatUnavailable()
        return WxSession(result["openid"], result["session_key"], result.get("unionid"))

    def encrypt_session_key(self, session_key: str) -> str:
        return self._state.fernet.encrypt(session_key.encode()).decode()

    def decrypt_session_key(self, token: str) -> str:
        try:
            return self._state.fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise InvalidEncryptedData("登录状态已失效，请重新登录") from None

    def decrypt_user_data(
        self, session_key: str, encrypted_data: str, iv: str, max_age_seconds: int
    ) -> dict:
        """Decrypt encryptedData (AES-128-CBC) and check its watermark.

        Raises InvalidEncryptedData (bad key, iv, padding, JSON or appid) or StaleData
        (watermark timestamp older than `max_age_seconds` or in the future).
        """
        try:
            data = WeChatWxaCrypto(session_key, iv, self.appid).decrypt_message(encrypted_data)
            timestamp = int(data["watermark"]["timestamp"])
        except Exception:  # bad base64, key, padding, JSON or appid: all mean "unusable"
            raise InvalidEncryptedData() from None
        age = time.time() - timestamp
        if age > max_age_seconds or age < -60:
            raise StaleData()
        return data

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            return getattr(self.client, method)(self.client.base_url + path, **kwargs)
        except (WeChatClientException, requests.RequestException, redis.RedisError) as exc:
            log.warning("wechat %s failed: %s", path, type(exc).__name__)
            raise WeChatUnavailable() from None

    def send_subscribe_message(
        self, openid: str, template_id: str, data: dict, page: str | None = None
    ) -> dict:
        """Send a subscribe message; `{"errcode": 43101, "skipped": True}` when the resident
        has no subscription for the template (they declined wx.requestSubscribeMessage, or
        used it up). Raises WeChatUnavailable for anything else that failed."""
        body = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        try:
            return self.client.post(
                self.client.base_url + "cgi-bin/message/subscribe/send", data=body
            )
        except WeChatClientException as exc:
            if exc.errcode == NOT_SUBSCRIBED:
                return {"errcode": NOT_SUBSCRIBED, "skipped": True}
            log.warning("wechat subscribe/send failed: errcode=%s", exc.errcode)
            raise WeChatUnavailable() from None
        except (requests.RequestException, redis.RedisError) as exc:
            log.warning("wechat subscribe/send failed: %s", type(exc).__name__)
            raise WeChatUnavailable() from None

    def get_unlimited_code(
        self, scene: str, page: str | None = None, env_version: str = "release"
    ) -> bytes:
        """A mini-program code (PNG bytes) for `scene` (<= 32 characters) opening `page`
        of the `env_version` build (release, trial, develop). Raises WeChatUnavailable."""
        body = {"scene": scene, "check_path": False, "env_version": env_version}
        if page:
            body["page"] = page
        result = self._call("post", "wxa/getwxacodeunlimit", data=body)
        if isinstance(result, requests.Response):
            return result.content
        raise WeChatUnavailable()

    def text_is_safe(self, content: str, openid: str) -> bool:
        """msg_sec_check v2: False when WeChat suggests anything but `pass`."""
        result = self._call(
            "post",
            "wxa/msg_sec_check",
            data={"content": content, "version": 2, "scene": 1, "openid": openid},
        )
        return result.get("result", {}).get("suggest") == "pass"

    def image_is_safe(self, image: bytes, filename: str = "avatar.jpg") -> bool:
        """img_sec_check (synchronous, at most 750x1334 px): False for errcode 87014 (risky
        content). Raises WeChatUnavailable for anything else that failed."""
        try:
            self.client.post(
                self.client.base_url + "wxa/img_sec_check",
                files={"media": (filename, image, "image/jpeg")},
            )
        except WeChatClientException as exc:
            if exc.errcode == RISKY_IMAGE:
                return False
            log.warning("wechat img_sec_check failed: errcode=%s", exc.errcode)
            raise WeChatUnavailable() from None
        except (requests.RequestException, redis.RedisError) as exc:
            log.warning("wechat img_sec_check failed: %s", type(exc).__name__)
            raise WeChatUnavailable() from None
        return True


wechat = WeChat()

__all__ = ["WxSession", "wechat"]
