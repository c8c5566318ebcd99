"""fieldpilot.web."""
