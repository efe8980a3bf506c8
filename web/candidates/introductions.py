"""``/me/introductions/{token}``: the accept/decline links of an introduction mail.

A GET only shows the request and a confirm button (mail scanners prefetch links); the answer
is the CSRF-protected POST.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.errors import DomainError
from server.network import introduction_answers
from web import pages

ANSWERS = ("accept", "decline")
ME_ACTION = ("/me", "link.new_portal_link")


async def _page(request: Request) -> introduction_answers.AnswerPage:
    try:
        token = request.path_params["token"]
        return await introduction_answers.for_token(token, pages.lang(request))
    except DomainError as error:
        raise pages.Answered(pages.link_error(request, error, action=ME_ACTION)) from error


async def show(request: Request) -> Response:
    """The request, with both answers (or the one the mailed link named)."""
    answer = request.path_params.get("answer")
    if answer is not None and answer not in ANSWERS:
        return pages.error_page(request, "link.invalid_title", "link.invalid", status_code=404)
    page = await _page(request)
    notice = request.query_params.get("ok")
    return pages.render(
        request,
        "introduction.html",
        {
            "token": request.path_params["token"],
            "page": page,
            "answer": answer,
            "notice": notice if notice == page.introduction.status else None,
        },
    )


async def answer(request: Request) -> Response:
    token = request.path_params["token"]
    form = await pages.guard_post(request, back=f"/me/introductions/{token}")
    page = await _page(request)
    choice = pages.text(form, "answer")
    if choice not in ANSWERS:
        return pages.error_page(request, "form.bad_title", "form.bad", status_code=400)
    intro = page.introduction
    try:
        done = await introduction_answers.respond(intro.candidate_id, intro.id, choice == "accept")
    except DomainError:
        return pages.error_page(
            request,
            "portal.intro_failed_title",
            "portal.intro_failed",
            status_code=409,
            action=(f"/me/introductions/{token}", "introduction_answer.back"),
        )
    return RedirectResponse(f"/me/introductions/{token}?ok={done.status}", status_code=303)


def routes() -> list[Route]:
    return [
        Route("/me/introductions/{token}", show, methods=["GET"]),
        Route("/me/introductions/{token}/{answer}", show, methods=["GET"]),
        Route(
            "/me/introductions/{token}",
            answer,
            methods=["POST"],
            max_body_size=pages.MAX_FORM_BYTES,
        ),
    ]
