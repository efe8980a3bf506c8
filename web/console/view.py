"""Rendering of console pages: the layout's member, company and navigation around a page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from server import i18n
from server.companies import accounts, members
from server.principal import Permission, Principal
from web import pages

# (key, address): the navigation, in the order HR staff work.
NAV = (
    ("dashboard", "/app"),
    ("openings", "/app/openings"),
    ("applications", "/app/applications"),
    ("imports", "/app/imports"),
    ("mail", "/app/mail"),
    ("pool", "/app/pool"),
    ("network", "/app/network"),
    ("credits", "/app/credits"),
    ("reports", "/app/reports"),
    ("settings", "/app/settings"),
)


# Pages reached from another page of the navigation.
UNDER = {"/app/members": "/app/settings", "/app/keys": "/app/settings"}


def _current(path: str) -> str:
    """The navigation entry of a page: its own, or the one it lies under."""
    for prefix, entry in UNDER.items():
        if path == prefix or path.startswith(prefix + "/"):
            return entry
    found = [p for _, p in NAV if p != "/app" and (path == p or path.startswith(p + "/"))]
    return max(found, key=len, default="/app" if path == "/app" else "")


def _ok(request: Request) -> str:
    key = request.query_params.get("ok", "")
    return key if key.startswith("console.ok.") and i18n.has(pages.lang(request), key) else ""


async def render(
    request: Request,
    principal: Principal,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    page_path: str | None = None,
) -> HTMLResponse:
    """A console page: ``template`` extends ``console/base.html``; ``ok`` in the query is the
    message of the change just made (post-redirect-get)."""
    assert principal.member_id is not None
    member = await members.get(principal, principal.member_id)
    company = await accounts.get(principal, principal.require_company())
    values = {
        "member": member,
        "company": company,
        "nav": NAV,
        "current": _current(request.url.path),
        "can_write": principal.can(Permission.WRITE),
        "can_manage": principal.can(Permission.MANAGE),
        "ok": _ok(request),
    }
    values.update(context or {})
    return pages.render(request, template, values, status_code=status_code, page_path=page_path)
