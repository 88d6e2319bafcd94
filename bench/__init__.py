"""Benchmarks (`make bench`): wrk against gunicorn, with a bare Flask app as the baseline.

Not timed tests: the numbers are printed as a table for the README, never asserted.
`bench.servers` (PostgreSQL, Redis and gunicorn as child processes) is also used by the
fault and scale-out tests.
"""
