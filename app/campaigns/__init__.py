"""Campaigns: time-boxed multipliers and bonuses on check-in points, within a budget."""
