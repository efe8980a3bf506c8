"""``/join/{company_code}``: a company's own referral link, confirmed by mail."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import ratelimit
from server.candidates import join
from server.errors import DomainError, NotFound
from web import pages


def _not_found(request: Request) -> Response:
    return pages.error_page(request, "link.invalid_title", "join.invalid", status_code=404)


async def join_page(request: Request) -> Response:
    """The address form; counts a click (not when only the language is switched)."""
    code = request.path_params["code"]
    try:
        if "lang" in request.query_params:
            company = await join.company_for(code)
        else:
            company = await join.open_link(code)
    except NotFound:
        return _not_found(request)
    return pages.render(request, "join.html", {"company": company, "code": code, "email": ""})


async def join_submit(request: Request) -> Response:
    code = request.path_params["code"]
    form = await pages.guard_post(request, ratelimit.JOIN_REQUESTS)
    email = pages.text(form, "email")
    try:
        await join.request_confirmation(
            code, email, locale=pages.lang(request), redis=request.app.state.redis
        )
    except NotFound:
        return _not_found(request)
    except DomainError as error:
        company = await join.company_for(code)
        return pages.render(
            request,
            "join.html",
            {
                "company": company,
                "code": code,
                "email": email,
                "errors": pages.errors_from(request, error, {"email"}),
            },
            status_code=422,
        )
    return RedirectResponse(f"/join/{code}/sent", status_code=303)


async def join_sent(request: Request) -> Response:
    return pages.render(
        request, "message.html", {"title_key": "join_sent.title", "message_key": "join_sent.lead"}
    )


async def confirm_page(request: Request) -> Response:
    """Shows whose address is confirmed; confirming is the POST (scanners prefetch links)."""
    token = request.path_params["token"]
    try:
        found = await join.load_confirmation(token)
    except DomainError as error:
        return pages.link_error(request, error, action=("/me", "link.to_portal"))
    return pages.render(
        request,
        "join_confirm.html",
        {"company": found.company, "email": found.email, "token": token},
    )


async def confirm_submit(request: Request) -> Response:
    token = request.path_params["token"]
    await pages.guard_post(request)
    try:
        confirmed = await join.confirm(token)
    except DomainError as error:
        return pages.link_error(request, error, action=("/me", "link.to_portal"))
    if confirmed.registration_token is None:
        return pages.render(request, "register_done.html", {"company": confirmed.company})
    return RedirectResponse(f"/register/{confirmed.registration_token}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/join/confirm/{token}", confirm_page, methods=["GET"]),
        Route(
            "/join/confirm/{token}",
            confirm_submit,
            methods=["POST"],
            max_body_size=pages.MAX_FORM_BYTES,
        ),
        Route("/join/{code}", join_page, methods=["GET"]),
        Route("/join/{code}", join_submit, methods=["POST"], max_body_size=pages.MAX_FORM_BYTES),
        Route("/join/{code}/sent", join_sent, methods=["GET"]),
    ]
