"""Errors the WeChat layer raises, already shaped as API errors."""

from app.errors import AppError, BadRequest, Unauthorized


class WeChatLoginFailed(Unauthorized):
    reason, message = "wechat_login_failed", "微信登录失败，请重试"


class WeChatUnavailable(AppError):
    status, reason, message = 503, "wechat_unavailable", "微信服务暂时不可用，请稍后再试"


class InvalidEncryptedData(BadRequest):
    reason, message = "invalid_encrypted_data", "微信数据无法解密，请重新授权"


class StaleData(BadRequest):
    reason, message = "stale_data", "微信数据已过期，请重新同步"
