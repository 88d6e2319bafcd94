"""wechatpy's client, made to follow WECHAT_API_BASE_URL and share one access token.

wechatpy 1.8.18 hard-codes https://api.weixin.qq.com/cgi-bin/token in
`WeChatClient.fetch_access_token`, and its in-memory token store is per process. This
subclass sends every call to the configured base URL (WeChat, or the project's sandbox)
and keeps the access token in Redis behind a lock, so N gunicorn workers fetch one token.
"""

from __future__ import annotations

import redis
from wechatpy import WeChatClient
from wechatpy.session.redisstorage import RedisStorage

TOKEN_SAFETY_MARGIN_SECONDS = 300


class ProjectWeChatClient(WeChatClient):
    """A WeChatClient whose URLs all start with `base_url` and whose token lives in Redis."""

    def __init__(
        self, appid: str, secret: str, base_url: str, redis_conn: redis.Redis, timeout: float
    ) -> None:
        super().__init__(appid, secret, session=RedisStorage(redis_conn, prefix="wechat"))
        self.timeout = timeout
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.API_BASE_URL = self.base_url + "cgi-bin/"
        self.wxa.API_BASE_URL = self.base_url
        self._redis = redis_conn

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        return token or self._refresh_access_token(stale=None)

    def fetch_access_token(self) -> dict:
        """Called by wechatpy when WeChat says the token is invalid or expired."""
        self._refresh_access_token(stale=self.session.get(self.access_token_key))
        return {"access_token": self.session.get(self.access_token_key)}

    def _refresh_access_token(self, stale: str | None) -> str:
        # One worker fetches; the others wait on the lock and then read what it stored.
        with self._redis.lock(f"wechat:{self.appid}:token-lock", timeout=15, blocking_timeout=15):
            current = self.session.get(self.access_token_key)
            if current and current != stale:
                return current
            result = self._fetch_access_token(
                url=self.API_BASE_URL + "token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
            )
            ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_SAFETY_MARGIN_SECONDS)
            self.session.set(self.access_token_key, result["access_token"], ttl)
            return result["access_token"]

    def _fetch_access_token(self, url: str, params: dict) -> dict:
        # wechatpy's version ignores the timeout; a slow WeChat must not hang a worker.
        res = self._http.get(url=url, params=params, timeout=self.timeout)
        res.raise_for_status()
        result = res.json()
        if result.get("errcode"):
            from wechatpy.exceptions import WeChatClientException

            raise WeChatClientException(result["errcode"], result.get("errmsg"), client=self)
        return result
