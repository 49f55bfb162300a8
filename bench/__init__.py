"""`make bench`: the performance harness of issue 10 (see docs/benchmarks.md). Not part of the app."""
