"""fieldpilot.storage."""
