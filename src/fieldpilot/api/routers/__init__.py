"""fieldpilot.api.routers."""
