"""fieldpilot.sla."""
