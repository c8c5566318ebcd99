"""fieldpilot.api."""
