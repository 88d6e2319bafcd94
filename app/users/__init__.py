"""Users, roles and login sessions (WeChat residents and console accounts)."""
