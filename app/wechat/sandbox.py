"""The WeChat sandbox: a small local server that answers like WeChat does.

It lets the whole product run end to end with no WeChat account, in development
(started by the launcher) and in tests (started by conftest). WeChat-shaped endpoints:

- GET  /sns/jscode2session   a code works once; 40029 unknown code, 40163 used code
- GET  /cgi-bin/token        access tokens valid 7200 s; 40125 for a wrong secret
- POST /wxa/getwxacodeunlimit            a PNG mini-program code (a QR of
                                         `sandbox-wxacode:<page>?scene=<scene>` here)
- POST /cgi-bin/message/subscribe/send   recorded, returns a msgid; 43101 for an openid
                                         marked as not subscribed (/sandbox/subscriptions)
- POST /wxa/msg_sec_check                v2 answer, `risky` for words in RISKY_WORDS
- POST /wxa/img_sec_check                multipart `media`; 87014 for an image whose mean
                                         colour is red (R > 180, G and B < 60), 41005
                                         without one

Control endpoints for tests and the dev console live under /sandbox/: mint login codes,
build encrypted WeRun data with a user's current session_key, read sent messages and the
mini-program codes asked for, mark an openid as not subscribed, count tokens, expire
tokens, and inject delays or failures.

Run: python -m app.wechat.sandbox --port 8765 --appid APPID --secret SECRET
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field

import qrcode
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from flask import Flask, Response, jsonify, request
from PIL import Image, ImageStat, UnidentifiedImageError
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

RISKY_WORDS = ("赌博", "违禁", "risky-content")
TOKEN_TTL_SECONDS = 7200


@dataclass
class SandboxState:
    appid: str
    secret: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, str] = field(default_factory=dict)  # code -> openid (unused)
    used_codes: set[str] = field(default_factory=set)
    session_keys: dict[str, str] = field(default_factory=dict)  # openid -> session_key
    tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry
    tokens_issued: int = 0
    messages: list[dict] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)  # openids answered with 43101
    wxacodes: list[dict] = field(default_factory=list)  # getwxacodeunlimit bodies
    image_checks: int = 0
    delay_seconds: float = 0.0
    failing: bool = False


def _err(errcode: int, errmsg: str) -> Response:
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def encrypt_for_session(session_key: str, payload: dict) -> tuple[str, str]:
    """Encrypt `payload` the way WeChat builds encryptedData (AES-128-CBC, PKCS#7)."""
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(json.dumps(payload).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(session_key)), modes.CBC(iv)).encryptor()
    data = encryptor.update(plain) + encryptor.finalize()
    return base64.b64encode(data).decode(), base64.b64encode(iv).decode()


def create_sandbox_app(appid: str, secret: str) -> Flask:
    """Build the sandbox WSGI app for one mini-program (appid, secret)."""
    app = Flask("wechat_sandbox")
    state = SandboxState(appid=appid, secret=secret)
    app.extensions["sandbox_state"] = state

    @app.before_request
    def _faults():
        if request.path.startswith("/sandbox/"):
            return None
        if state.delay_seconds:
            time.sleep(state.delay_seconds)
        if state.failing:
            return Response("upstream failure", status=502)
        return None

    def _token_error() -> Response | None:
        token = request.args.get("access_token", "")
        with state.lock:
            expiry = state.tokens.get(token)
        if expiry is None:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if expiry < time.time():
            return _err(42001, "access_token expired")
        return None

    @app.get("/sns/jscode2session")
    def jscode2session():
        if request.args.get("appid") != state.appid:
            return _err(40013, "invalid appid")
        if request.args.get("secret") != state.secret:
            return _err(40125, "invalid appsecret")
        code = request.args.get("js_code", "")
        with state.lock:
            if code in state.used_codes:
                return _err(40163, "code been used")
            openid = state.codes.pop(code, None)
            if openid is None:
                return _err(40029, "invalid code")
            state.used_codes.add(code)
            session_key = base64.b64encode(os.urandom(16)).decode()
            state.session_keys[openid] = session_key
        return jsonify({"openid": openid, "session_key": session_key})

    @app.get("/cgi-bin/token")
    def token():
        if request.args.get("appid") != state.appid:
            return _err(40013, "invalid appid")
        if request.args.get("secret") != state.secret:
            return _err(40125, "invalid appsecret")
        access_token = secrets.token_hex(32)
        with state.lock:
            state.tokens[access_token] = time.time() + TOKEN_TTL_SECONDS
            state.tokens_issued += 1
        return jsonify({"access_token": access_token, "expires_in": TOKEN_TTL_SECONDS})

    @app.post("/wxa/getwxacodeunlimit")
    def getwxacodeunlimit():
        if (error := _token_error()) is not None:
            return error
        body = request.get_json(force=True, silent=True) or {}
        scene = str(body.get("scene", ""))
        if not scene or len(scene) > 32:
            return _err(41030, "invalid scene")
        if body.get("env_version", "release") not in ("release", "trial", "develop"):
            return _err(40097, "invalid args")
        with state.lock:
            state.wxacodes.append(body)
        image = qrcode.make(f"sandbox-wxacode:{body.get('page', '')}?scene={scene}")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return Response(buffer.getvalue(), mimetype="image/png")

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        if (error := _token_error()) is not None:
            return error
        body = request.get_json(force=True, silent=True) or {}
        if not body.get("touser") or not body.get("template_id"):
            return _err(47003, "argument invalid")
        if body["touser"] in state.unsubscribed:
            return _err(43101, "user refuse to accept the msg")
        with state.lock:
            state.messages.append(body)
            msgid = len(state.messages)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.post("/wxa/msg_sec_check")
    def msg_sec_check():
        if (error := _token_error()) is not None:
            return error
        body = request.get_json(force=True, silent=True) or {}
        content = str(body.get("content", ""))
        risky = any(word in content for word in RISKY_WORDS)
        label = 20006 if risky else 100
        result = {"suggest": "risky" if risky else "pass", "label": label}
        return jsonify(
            {
                "errcode": 0,
                "errmsg": "ok",
                "result": result,
                "detail": [{"strategy": "content_model", "errcode": 0, **result}],
                "trace_id": secrets.token_hex(8),
            }
        )

    @app.post("/wxa/img_sec_check")
    def img_sec_check():
        if (error := _token_error()) is not None:
            return error
        media = request.files.get("media")
        if media is None:
            return _err(41005, "media data missing")
        try:
            mean = ImageStat.Stat(Image.open(media.stream).convert("RGB")).mean
        except (UnidentifiedImageError, OSError):
            return _err(40006, "invalid media size")
        with state.lock:
            state.image_checks += 1
        if mean[0] > 180 and mean[1] < 60 and mean[2] < 60:
            return _err(87014, "risky content")
        return jsonify({"errcode": 0, "errmsg": "ok"})

    # ---- control endpoints (not part of WeChat) ----
    @app.post("/sandbox/login-code")
    def mint_login_code():
        body = request.get_json(force=True, silent=True) or {}
        openid = body.get("openid") or "o" + secrets.token_hex(13)
        code = secrets.token_hex(16)
        with state.lock:
            state.codes[code] = openid
        return jsonify({"code": code, "openid": openid})

    @app.post("/sandbox/werun-data")
    def werun_data():
        body = request.get_json(force=True, silent=True) or {}
        openid = body.get("openid", "")
        with state.lock:
            session_key = state.session_keys.get(openid)
        if session_key is None:
            return jsonify({"error": "no session for openid; log in first"}), 404
        payload = {
            "stepInfoList": body.get("step_info_list", []),
            "watermark": {
                "timestamp": int(body.get("watermark_timestamp") or time.time()),
                "appid": body.get("appid") or state.appid,
            },
        }
        encrypted_data, iv = encrypt_for_session(session_key, payload)
        return jsonify({"encrypted_data": encrypted_data, "iv": iv})

    @app.get("/sandbox/messages")
    def messages():
        with state.lock:
            return jsonify({"items": list(state.messages)})

    @app.get("/sandbox/wxacodes")
    def wxacodes():
        with state.lock:
            return jsonify({"items": list(state.wxacodes)})

    @app.get("/sandbox/stats")
    def stats():
        with state.lock:
            return jsonify({
                "tokens_issued": state.tokens_issued,
                "messages": len(state.messages),
                "image_checks": state.image_checks,
            })  # fmt: skip

    @app.post("/sandbox/subscriptions")
    def subscriptions():
        """{openid, subscribed}: whether subscribe messages to this openid are delivered
        (WeChat answers 43101 when the resident did not accept the template)."""
        body = request.get_json(force=True, silent=True) or {}
        with state.lock:
            if body.get("subscribed", True):
                state.unsubscribed.discard(str(body.get("openid", "")))
            else:
                state.unsubscribed.add(str(body.get("openid", "")))
        return jsonify({"unsubscribed": sorted(state.unsubscribed)})

    @app.post("/sandbox/expire-tokens")
    def expire_tokens():
        with state.lock:
            state.tokens = {token: 0.0 for token in state.tokens}
        return jsonify({"ok": True})

    @app.post("/sandbox/faults")
    def faults():
        body = request.get_json(force=True, silent=True) or {}
        state.delay_seconds = float(body.get("delay_seconds", 0))
        state.failing = bool(body.get("failing", False))
        return jsonify({"delay_seconds": state.delay_seconds, "failing": state.failing})

    return app


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: request lines carry access tokens and app secrets."""

    def log_request(self, *args, **kwargs) -> None:
        pass


def start_sandbox_thread(appid: str, secret: str, port: int = 0) -> tuple[BaseWSGIServer, str]:
    """Serve the sandbox from a daemon thread; returns the server and its base URL."""
    server = make_server(
        "127.0.0.1",
        port,
        create_sandbox_app(appid, secret),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def main() -> None:
    """Serve the WeChat sandbox (python -m app.wechat.sandbox --port N)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--appid", default=os.environ.get("WECHAT_APPID", "wx0000000000sandbox"))
    parser.add_argument("--secret", default=os.environ.get("WECHAT_SECRET", "sandbox-secret"))
    args = parser.parse_args()
    server = make_server(
        args.host,
        args.port,
        create_sandbox_app(args.appid, args.secret),
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    print(f"WeChat sandbox on http://{args.host}:{server.server_port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
