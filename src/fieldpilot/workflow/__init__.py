"""fieldpilot.workflow."""
