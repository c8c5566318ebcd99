"""fieldpilot.engine.solvers."""
