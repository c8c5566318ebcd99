"""fieldpilot.service."""
