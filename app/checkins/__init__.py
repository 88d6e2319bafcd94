"""Check-ins: evidence (QR sites, photos, WeRun, partner events), caps, risk and review."""
