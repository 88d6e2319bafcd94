"""The per-account hash chain over entries (format: docs/decisions/0101).

An entry's hash is SHA-256 over a canonical JSON array of its own fields, the fields of
its transaction that a resident sees (code, reference, memo, time) and the previous
entry's hash on the same account, so changing, removing or reordering any entry breaks
every later link of that account's chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from app.clock import epoch_micros

CHAIN_FORMAT = "v1"


def entry_hash(
    *,
    prev_hash: str,
    account_id: int,
    account_version: int,
    transaction_id: int,
    amount: int,
    balance_after: int,
    code: str,
    reference: str,
    memo: str,
    created_at: datetime,
) -> str:
    """The hex SHA-256 of one entry in its chain."""
    canonical = json.dumps(
        [
            CHAIN_FORMAT,
            prev_hash,
            int(account_id),
            int(account_version),
            int(transaction_id),
            int(amount),
            int(balance_after),
            code,
            reference,
            memo,
            epoch_micros(created_at),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
