"""Signing in to the console: an address, a mailed link (confirmed by a button, so that a mail
scanner opening the link does not use it up), sign out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import ratelimit
from server.companies import member_sessions, members
from server.errors import DomainError, ErrorCode
from server.mail import outbox
from web import pages
from web.console import session

MAX_EMAIL = 320


def _next(request: Request, value: str | None = None) -> str:
    """Where to go after signing in: a console address only (never another site)."""
    target = value if value is not None else request.query_params.get("next", "")
    if target.startswith("/app") and not target.startswith("/app/login"):
        return target
    return "/app"


def _login_page(request: Request, email: str = "", error: str | None = None, status_code=200):
    errors = pages.Errors()
    if error:
        errors.fields["email"] = pages.message_for(request, error, "email")
    return pages.render(
        request,
        "console/login.html",
        {
            "email": email,
            "errors": errors,
            "next": _next(request),
            "sent": request.query_params.get("sent") == "1",
        },
        status_code=status_code,
        page_path="/app/login",
    )


async def login_page(request: Request) -> Response:
    if await session.member(request) is not None:
        return RedirectResponse(_next(request), status_code=303)
    return _login_page(request)


async def login_submit(request: Request) -> Response:
    form = await pages.guard_post(request, ratelimit.CONSOLE_SIGN_IN, back="/app/login")
    email = pages.text(form, "email").strip()[:MAX_EMAIL]
    try:
        queued = await members.request_sign_in(email)
    except DomainError as error:
        return _login_page(request, email, error.errors[0].code, 422)
    await outbox.enqueue_send(request.app.state.redis, queued)
    # The same answer whether the address is known or not.
    return RedirectResponse("/app/login?sent=1", status_code=303)


def _link_error(request: Request, error: DomainError) -> Response:
    if error.errors[0].code == ErrorCode.WRONG_STATE:
        return pages.error_page(
            request,
            "console.link_used_title",
            "console.link_used",
            status_code=410,
            action=("/app/login", "console.link_again"),
        )
    return pages.link_error(request, error, action=("/app/login", "console.link_again"))


async def confirm_page(request: Request) -> Response:
    try:
        await member_sessions.check_link(request.path_params["token"])
    except DomainError as error:
        return _link_error(request, error)
    return pages.render(request, "console/sign_in.html", {"next": _next(request)})


async def confirm_submit(request: Request) -> Response:
    # The token (256 random bits) is the guard here; the console's own limit applies.
    form = await pages.guard_post(request, posts=ratelimit.CONSOLE_POSTS)
    try:
        _, session_id = await member_sessions.sign_in(
            request.path_params["token"], request.cookies.get(session.COOKIE)
        )
    except DomainError as error:
        return _link_error(request, error)
    response = RedirectResponse(_next(request, pages.text(form, "next")), status_code=303)
    session.set_cookie(response, session_id)
    return response


async def logout(request: Request) -> Response:
    await pages.guard_post(request, posts=ratelimit.CONSOLE_POSTS, back="/app")
    if session_id := request.cookies.get(session.COOKIE):
        await member_sessions.end(session_id)
    response = RedirectResponse("/app/login", status_code=303)
    session.clear_cookie(response)
    return response


def routes() -> list[Route]:
    size = pages.MAX_FORM_BYTES
    return [
        Route("/app/login", login_page, methods=["GET"]),
        Route("/app/login", login_submit, methods=["POST"], max_body_size=size),
        Route("/app/sign-in/{token}", confirm_page, methods=["GET"]),
        Route("/app/sign-in/{token}", confirm_submit, methods=["POST"], max_body_size=size),
        Route("/app/logout", logout, methods=["POST"], max_body_size=size),
    ]
