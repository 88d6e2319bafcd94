"""Alliance merchants: the merchant itself, its staff (owner and clerks), invites, settlement."""
