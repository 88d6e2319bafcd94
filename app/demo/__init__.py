"""The demo's history (`flask seed --demo`): a few hundred residents and 60 days of their
check-ins, reviews, redemptions and campaigns, written through the domains' services so
that every chart and queue of the console shows something on first open."""
