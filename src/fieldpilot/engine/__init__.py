"""fieldpilot.engine."""
