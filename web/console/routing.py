"""How a console page is declared: the signed-in member first, their role for every change.

``@page(path)`` is a GET page: ``handler(request, principal)``. ``@action(path, mutation,
permission)`` is a POST: CSRF and the console's rate limit, the member, their role, then
``handler(request, principal, form)``; ``mutation`` names the GraphQL mutation that does the
same (tests/web/console/test_console_actions.py checks each one exists). A core NOT_FOUND (an
id of another company, or none) answers the 404 page; FORBIDDEN the 403 page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import ratelimit
from server.errors import DomainError, ErrorCode
from server.principal import Permission, Principal
from web import pages
from web.console import session

Page = Callable[[Request, Principal], Awaitable[Response]]
Action = Callable[[Request, Principal, FormData], Awaitable[Response]]


@dataclass(frozen=True)
class ActionInfo:
    path: str
    mutation: str
    permission: Permission


ROUTES: list[Route] = []
ACTIONS: list[ActionInfo] = []


def page(path: str):
    def register(handler: Page) -> Page:
        async def endpoint(request: Request) -> Response:
            principal = await session.require_member(request)
            try:
                return await handler(request, principal)
            except DomainError as error:
                return _refused_or_raise(request, error)

        ROUTES.append(Route(path, endpoint, methods=["GET"]))
        return handler

    return register


def action(
    path: str, mutation: str, permission: Permission = Permission.WRITE, *, file_bytes: int = 0
):
    """``file_bytes``: the form may carry one uploaded file of up to that size."""

    def register(handler: Action) -> Action:
        async def endpoint(request: Request) -> Response:
            principal = await session.require_member(request)
            form = await pages.guard_post(
                request, posts=ratelimit.CONSOLE_POSTS, file_bytes=file_bytes
            )
            try:
                principal.require(permission)
                return await handler(request, principal, form)
            except DomainError as error:
                return refused(request, error)

        size = pages.MAX_FORM_BYTES + file_bytes
        ROUTES.append(Route(path, endpoint, methods=["POST"], max_body_size=size))
        ACTIONS.append(ActionInfo(path, mutation, permission))
        return handler

    return register


def _refused_or_raise(request: Request, error: DomainError) -> Response:
    response = refused(request, error)
    if response is None:
        raise error
    return response


def refused(request: Request, error: DomainError) -> Response | None:
    """The page for an id that is not the member's company's (404), or a change their role
    forbids (403); None for any other domain error, which a handler shows by its form."""
    code = error.errors[0].code
    if code == ErrorCode.NOT_FOUND:
        return pages.error_page(
            request,
            "console.not_found_title",
            "console.not_found",
            status_code=404,
            action=("/app", "console.back_home"),
        )
    if code == ErrorCode.FORBIDDEN:
        return pages.error_page(
            request,
            "console.forbidden_title",
            "console.forbidden",
            status_code=403,
            action=("/app", "console.back_home"),
        )
    return None


def done(path: str, ok: str, **query: str) -> RedirectResponse:
    """Post-redirect-get: back to a page that says what happened (``ok``: a catalogue key
    under ``console.ok.``, shown by the layout)."""
    return RedirectResponse(f"{path}?{urlencode({'ok': ok, **query})}", status_code=303)
