"""Run the HTTP server: refuse a database that is not migrated, then hand the app to uvicorn.

The readiness check and the server are separate functions so that tests (and `demo`) can check
without binding a port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from fieldpilot.cli.output import fail, safe_url
from fieldpilot.config import Settings

STARTUP_POLL_SECONDS = 0.05


def check_database(settings: Settings) -> None:
    """Exit 1 with a clear message unless the database answers and is at the code's revision."""
    from fieldpilot.storage import DatabaseNotMigrated, ensure_migrated, make_engine

    engine = make_engine(settings.database_url)
    try:
        ensure_migrated(engine)
    except DatabaseNotMigrated as error:
        fail(f"{error.message}\n  Run: fieldpilot db upgrade --database-url '{safe_url(error.url)}'")
    except SQLAlchemyError as error:
        fail(f"cannot open the database at {safe_url(settings.database_url)}: {error.__class__.__name__}")
    finally:
        engine.dispose()


def docs_url(settings: Settings, *, port: int | None = None) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: the local browser uses loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port if port is None else port}/docs"


def run_server(settings: Settings, *, on_started: Callable[[str], None] | None = None) -> None:
    """Serve the API with uvicorn until interrupted; `on_started(docs_url)` runs once it listens."""
    import uvicorn

    from fieldpilot.api.app import create_app

    config = uvicorn.Config(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    server = uvicorn.Server(config)
    if on_started is not None:
        threading.Thread(target=_announce, args=(server, settings, on_started), daemon=True).start()
    server.run()
    if not server.started:
        fail(f"the server could not start on {settings.host}:{settings.port} (is the port in use?)")


def _announce(server: object, settings: Settings, on_started: Callable[[str], None]) -> None:
    while not getattr(server, "started", False):
        if getattr(server, "should_exit", False):
            return
        time.sleep(STARTUP_POLL_SECONDS)
    port = settings.port
    servers = getattr(server, "servers", [])
    for listener in servers:  # port 0 means "any free port": report the one the OS chose
        for sock in getattr(listener, "sockets", []):
            port = sock.getsockname()[1]
    on_started(docs_url(settings, port=port))
