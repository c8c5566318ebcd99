"""fieldpilot.routing."""
