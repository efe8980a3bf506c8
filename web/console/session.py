"""The console's session cookie: a random id (HttpOnly, SameSite=Lax, only under ``/app``);
the session itself is server-side (``server.companies.member_sessions``)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from server.companies import member_sessions
from server.config import get_settings
from server.principal import Principal
from web import pages

COOKIE = "relay_app"


def set_cookie(response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(member_sessions.MAX_AGE.total_seconds()),
        httponly=True,
        samesite="lax",  # a link to /app from a mail or a chat opens signed in
        secure=get_settings().is_https,
        path="/app",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/app", httponly=True, samesite="lax")


async def member(request: Request) -> Principal | None:
    """The member of this request's live session, if any (looked up once per request)."""
    if "relay.member" not in request.scope:
        request.scope["relay.member"] = await member_sessions.principal(request.cookies.get(COOKIE))
    return request.scope["relay.member"]


async def require_member(request: Request) -> Principal:
    """The signed-in member; otherwise the sign-in page answers (then back here)."""
    principal = await member(request)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = "/app"
        raise pages.Answered(
            RedirectResponse(f"/app/login?next={quote(target, safe='')}", status_code=303)
        )
    return principal
