"""The web console for operators and merchants: Jinja page shells at /console/..., their
JSON helpers (background jobs, console accounts) and the RQ job kinds."""
