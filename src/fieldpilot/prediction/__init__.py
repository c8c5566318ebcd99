"""fieldpilot.prediction."""
