"""Operations infrastructure below the domains: request ids, log lines, metrics, error
reports (Sentry), backups, and the worker command. Domains only count through
`app.ops.metrics`; nothing here knows a domain's rules."""
