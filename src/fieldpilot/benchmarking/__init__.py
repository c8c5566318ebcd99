"""fieldpilot.benchmarking."""
