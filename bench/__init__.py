"""Performance benchmark and load test of the casebook: see bench/README.md."""
