"""Carbon account: scenarios, methodology versions, carbon records, leaderboards, consents."""
