"""The four screens' HTML shells and their static assets, served from the package.

Shells are rendered by Jinja2 with nothing but configuration in them (the data comes from the
JSON endpoints, with the user's token); assets are plain files (ES modules, CSS, the service
worker), no build step and nothing fetched from a CDN.

May import: bootstrap, the standard library, jinja2, starlette.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import FileResponse, HTMLResponse, Response

from fieldpilot.bootstrap import Services

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_URL = "/static/web"

SHORTCUTS = {
    "console": [
        ("/", "search the queue"),
        ("j / k", "next / previous order"),
        ("Enter", "open the selected order"),
        ("a", "alerts"),
        ("b", "schedule board"),
        ("m", "map"),
        ("Esc", "close the dialog"),
        ("?", "show shortcuts"),
    ],
}


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), auto_reload=False
    )


def security_headers(services: Services) -> dict[str, str]:
    tiles = ""
    if services.settings.tile_url:
        parts = urlsplit(services.settings.tile_url.replace("{", "").replace("}", ""))
        tiles = f" {parts.scheme}://{parts.netloc.split(':')[0]}" if parts.netloc else ""
    return {
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data: blob:" + tiles + "; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def page(
    env: Environment, services: Services, name: str, *, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    template = env.get_template(f"{name}.html")
    html = template.render(
        static=STATIC_URL,
        screen=name,
        shortcuts=SHORTCUTS.get(name, []),
        environment=services.settings.environment,
        **context,
    )
    return HTMLResponse(html, headers={**security_headers(services), **(headers or {})})


def static_file(path: str, *, root: Path = STATIC, headers: dict[str, str] | None = None) -> Response:
    """A file under `root`, or 404: no path may climb out of it."""
    target = (root / path).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return Response(status_code=404)
    media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix in (".js", ".mjs"):
        media = "text/javascript"
    elif target.suffix == ".webmanifest":
        media = "application/manifest+json"
    return FileResponse(
        target,
        media_type=media,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff", **(headers or {})},
    )
