"""Links in talent-pool mails: ``/a/{token}`` (re-apply to an opening) and
``/c/{token}/keep|withdraw`` (answer a consent reconfirmation).

A GET only shows what the button will do (mail scanners prefetch links); the CSRF-protected
POST acts, and acting twice changes nothing the second time.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.candidates import reapply, reconfirm
from server.errors import DomainError, ErrorCode
from web import pages

ME_ACTION = ("/me", "link.to_portal")
ANSWERS = {"keep": True, "withdraw": False}


def _done(request: Request, key: str, tone: str = "success", **values: str) -> Response:
    return pages.render(
        request,
        "pool_done.html",
        {"title_key": f"{key}.title", "message_key": f"{key}.lead", "values": values, "tone": tone},
    )


async def reapply_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        found = await reapply.load(token, pages.lang(request))
    except DomainError as error:
        return pages.link_error(request, error, action=ME_ACTION)
    return pages.render(request, "reapply.html", {"page": found, "token": token})


async def reapply_submit(request: Request) -> Response:
    token = request.path_params["token"]
    await pages.guard_post(request, back=f"/a/{token}")
    try:
        done = await reapply.reapply(token)
    except DomainError as error:
        if error.errors[0].code == ErrorCode.WRONG_STATE:
            return pages.error_page(
                request, "reapply.closed_title", "reapply.closed", status_code=409
            )
        return pages.link_error(request, error, action=ME_ACTION)
    key = "reapply_done" if done.created else "reapply_already"
    return _done(request, key, company=done.company.name, opening=done.opening.title)


def _answer(request: Request) -> bool | None:
    return ANSWERS.get(request.path_params["answer"])


async def reconfirm_page(request: Request) -> Response:
    token, keep = request.path_params["token"], _answer(request)
    if keep is None:
        return pages.error_page(request, "link.invalid_title", "link.invalid", status_code=404)
    try:
        found = await reconfirm.load(token)
    except DomainError as error:
        return pages.link_error(request, error, action=ME_ACTION)
    return pages.render(
        request,
        "reconfirm.html",
        {"page": found, "token": token, "answer": request.path_params["answer"], "keep": keep},
    )


async def reconfirm_submit(request: Request) -> Response:
    token, keep = request.path_params["token"], _answer(request)
    if keep is None:
        return pages.error_page(request, "link.invalid_title", "link.invalid", status_code=404)
    await pages.guard_post(request, back=request.url.path)
    try:
        changed = await reconfirm.answer(token, keep)
    except DomainError as error:
        return pages.link_error(request, error, action=ME_ACTION)
    if not changed:
        return _done(request, "reconfirm_already", tone="")
    return _done(request, "reconfirm_kept" if keep else "reconfirm_withdrawn")


def routes() -> list[Route]:
    post = {"methods": ["POST"], "max_body_size": pages.MAX_FORM_BYTES}
    return [
        Route("/a/{token}", reapply_page, methods=["GET"]),
        Route("/a/{token}", reapply_submit, **post),
        Route("/c/{token}/{answer}", reconfirm_page, methods=["GET"]),
        Route("/c/{token}/{answer}", reconfirm_submit, **post),
    ]
