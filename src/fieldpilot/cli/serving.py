"""Run the HTTP server: the API and the web screens in one app, refused on a database that is not
migrated, then handed to uvicorn.

The readiness check and the server are separate functions so that tests (and `demo`) can check
without binding a port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from fieldpilot.cli.output import fail, safe_url
from fieldpilot.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from fieldpilot.bootstrap import Services

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


# Pages worth pointing a person at, announced when the app serves them.
PAGES = (
    ("Interactive API docs", "/docs"),
    ("Dispatcher console", "/console"),
    ("Manager dashboard", "/dashboard"),
    ("Technician app", "/technician"),
)


def base_url(settings: Settings, *, port: int | None = None) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: the local browser uses loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port if port is None else port}"


def docs_url(settings: Settings, *, port: int | None = None) -> str:
    return base_url(settings, port=port) + "/docs"


Announce = Callable[[list[tuple[str, str]]], None]


def build_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """The API and the web screens in one app. `api` and `web` are siblings that may not import
    each other, so they are put together here, in the top layer. Given `services`, the app serves
    them and leaves disposing them to the caller (the live demo shares them with its simulation)."""
    from fieldpilot.api.app import create_app
    from fieldpilot.web import create_web_router

    app = create_app(settings, services=services)
    web = create_web_router(app.state.services)
    app.include_router(web)
    # Which pages the app serves, for the start-up banner (included routers are not flattened).
    app.state.page_paths = frozenset({app.docs_url or ""} | {getattr(route, "path", "") for route in web.routes})
    return app


def run_server(settings: Settings, *, on_started: Announce | None = None, services: Services | None = None) -> None:
    """Serve the API with uvicorn until interrupted (Ctrl+C or SIGTERM: a normal return); once it
    listens, `on_started` gets the (label, URL) of the pages it serves, the API docs first."""
    import uvicorn

    app = build_app(settings, services=services)
    pages = [(label, path) for label, path in PAGES if path in app.state.page_paths]
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info"))
    if on_started is not None:
        threading.Thread(
            target=_announce,
            args=(server,),
            kwargs={"settings": settings, "pages": pages, "on_started": on_started},
            daemon=True,
        ).start()
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl+C it has handled, once it has shut down
        return
    if not server.started:
        fail(f"the server could not start on {settings.host}:{settings.port} (is the port in use?)")


def _announce(server: object, *, settings: Settings, pages: list[tuple[str, str]], on_started: Announce) -> None:
    while not getattr(server, "started", False):
        if getattr(server, "should_exit", False):
            return
        time.sleep(STARTUP_POLL_SECONDS)
    port = settings.port
    for listener in getattr(server, "servers", []):  # report the port the OS actually bound
        for sock in getattr(listener, "sockets", []):
            port = sock.getsockname()[1]
    root = base_url(settings, port=port)
    on_started([(label, root + path) for label, path in pages])
