"""fieldpilot.cli."""
