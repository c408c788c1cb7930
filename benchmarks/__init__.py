"""Performance suite: `make bench` or `python -m benchmarks [NAME ...]`. Prints figures and ratios to a raw-SQL
baseline; never asserts a time (targets are read by people, not by the test suite)."""
