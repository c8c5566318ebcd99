"""fieldpilot.events."""
