"""fieldpilot.simulator."""
