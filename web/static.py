"""``/static``: the pages' stylesheet and images, served by Starlette (no CDN)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

DIRECTORY = Path(__file__).parent / "static"


def mount() -> Mount:
    return Mount("/static", StaticFiles(directory=DIRECTORY), name="static")
