"""`make bench`: sunset and wget on the same generated legacy site (see benchmarks/run.py)."""
