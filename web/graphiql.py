"""The development GraphiQL page: vendored scripts (.ci/vendor-graphiql), same-origin CSP."""

from __future__ import annotations

from functools import cache

from starlette.responses import HTMLResponse

from web.static import DIRECTORY

# GraphiQL's editor sets styles from script (CSSOM, allowed); fonts and icons are data: URLs.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@cache
def _html() -> str:
    return (DIRECTORY / "graphiql" / "graphiql.html").read_text(encoding="utf-8")


def page() -> HTMLResponse:
    return HTMLResponse(_html(), headers={"content-security-policy": CSP})
