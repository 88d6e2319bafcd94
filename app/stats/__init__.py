"""Operator statistics: the dashboard figures, time series and their CSV tables."""
