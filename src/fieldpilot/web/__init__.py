"""fieldpilot.web: the dispatcher console, technician app, customer tracking page and manager
dashboard, served by the same app as the API through `create_web_router(services)`.

May import: bootstrap, config, service, engine (not solvers), domain; never fieldpilot.api.
"""

from __future__ import annotations

from fieldpilot.web.routes import create_web_router

__all__ = ["create_web_router"]
