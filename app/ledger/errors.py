"""Errors the ledger raises on purpose (each maps to a 4xx with a `reason`)."""

from __future__ import annotations

from app.errors import AppError, Conflict, NotFound, Unprocessable


class InsufficientPoints(Conflict):
    reason, message = "insufficient_points", "积分不足"


class AlreadyReversed(Conflict):
    reason, message = "already_reversed", "该笔积分交易已被冲正"


class CannotReverseReversal(Conflict):
    reason, message = "cannot_reverse_reversal", "冲正交易不能再次冲正"


class TransactionNotFound(NotFound):
    reason, message = "transaction_not_found", "积分交易不存在"


class IdempotencyKeyReused(Unprocessable):
    reason, message = "idempotency_key_reused", "该请求标识已用于另一个不同的请求"


class AccountNotFound(NotFound):
    reason, message = "user_not_found", "用户不存在"


class LedgerInvariantBroken(AppError):
    """Stored figures disagree with each other (a bug or tampering): never expected."""

    status, reason, message = 500, "ledger_invariant_broken", "积分账本数据异常"
