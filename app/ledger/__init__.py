"""The double-entry points ledger: accounts, balanced transactions, entries, lots.

Other domains use `app.ledger.service` only. Nothing here knows about coupons or
check-ins: callers pass a transaction code and a unique reference.
"""
