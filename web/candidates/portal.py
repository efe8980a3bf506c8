"""``/me``: ask for a portal link; ``/me/{token}``: the candidate's own portal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import ratelimit
from server.candidates import pause, portal
from server.errors import DomainError
from server.models import Candidate, ConsentScope
from web import pages
from web.candidates.register import PROFILE_FIELDS, profile_from

NOTICES = {
    "profile": "portal.saved_profile",
    "consent": "portal.saved_consent",
    "introduction": "portal.saved_introduction",
    "pause": "pause.saved",
}
ME_ACTION = ("/me", "link.new_portal_link")
BODY_LIMIT = pages.MAX_FORM_BYTES


async def me_page(request: Request) -> Response:
    return pages.render(request, "me.html", {"email": ""})


async def me_submit(request: Request) -> Response:
    """Mails a link when the address is known; the answer is the same either way."""
    form = await pages.guard_post(request, ratelimit.PORTAL_REQUESTS)
    email = pages.text(form, "email")
    try:
        await portal.request_link(email, locale=pages.lang(request), redis=request.app.state.redis)
    except DomainError as error:
        return pages.render(
            request,
            "me.html",
            {"email": email, "errors": pages.errors_from(request, error, {"email"})},
            status_code=422,
        )
    return RedirectResponse("/me/sent", status_code=303)


async def me_sent(request: Request) -> Response:
    return pages.render(
        request, "message.html", {"title_key": "me_sent.title", "message_key": "me_sent.lead"}
    )


async def erased(request: Request) -> Response:
    return pages.render(
        request,
        "message.html",
        {"title_key": "erased.title", "message_key": "erased.lead", "tone": "success"},
    )


async def _candidate(request: Request) -> Candidate:
    try:
        return await portal.candidate_for(request.path_params["token"])
    except DomainError as error:
        raise pages.Answered(pages.link_error(request, error, action=ME_ACTION)) from error


async def _posted(request: Request) -> tuple[FormData, Candidate]:
    """A form posted from the portal: its form and candidate (a failed CSRF check, an
    unknown or expired link answer with their page instead)."""
    form = await pages.guard_post(request, back=f"/me/{request.path_params['token']}")
    candidate = await _candidate(request)
    return form, candidate


async def _portal(
    request: Request,
    candidate: Candidate,
    *,
    form=None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
    pause_error: str | None = None,
) -> Response:
    token = request.path_params["token"]
    page = await portal.page(candidate, pages.lang(request))
    notice = NOTICES.get(request.query_params.get("ok", "")) if request.method == "GET" else None
    return pages.render(
        request,
        "portal.html",
        {
            "token": token,
            "page": page,
            "form": form or page.form,
            "errors": errors or pages.Errors(),
            "notice": notice,
            "pause": _pause_state(candidate, pause_error),
        },
        status_code=status_code,
        page_path=f"/me/{token}",
    )


def _back(request: Request, ok: str) -> Response:
    return RedirectResponse(f"/me/{request.path_params['token']}?ok={ok}", status_code=303)


async def portal_page(request: Request) -> Response:
    candidate = await _candidate(request)
    return await _portal(request, candidate)


async def profile_submit(request: Request) -> Response:
    posted = await _posted(request)
    form, candidate = posted
    data = profile_from(form)
    try:
        await portal.update_profile(candidate.id, data, redis=request.app.state.redis)
    except DomainError as error:
        errors = pages.errors_from(request, error, set(PROFILE_FIELDS))
        return await _portal(request, candidate, form=data, errors=errors, status_code=422)
    return _back(request, "profile")


async def consent_submit(request: Request) -> Response:
    posted = await _posted(request)
    form, candidate = posted
    scope_text = pages.text(form, "scope")
    granted = pages.text(form, "granted")
    company = pages.text(form, "company")
    if scope_text not in ConsentScope.__members__ or granted not in ("0", "1"):
        return pages.error_page(request, "form.bad_title", "form.bad", status_code=400)
    scope = ConsentScope(scope_text)
    company_id = int(company) if company.isascii() and company.isdigit() else None
    try:
        await portal.set_consent(
            candidate.id,
            scope,
            granted == "1",
            company_id=company_id,
            redis=request.app.state.redis,
        )
    except DomainError:
        return pages.error_page(request, "form.bad_title", "form.bad", status_code=400)
    return _back(request, "consent")


def _pause_state(candidate: Candidate, error: str | None) -> dict:
    today = pause.local_today(datetime.now(UTC))
    through = pause.last_day(candidate.paused_until) if pause.is_paused(candidate) else None
    return {
        "through": through,
        "min": today.isoformat(),
        "max": (today + timedelta(days=pause.MAX_PAUSE_DAYS)).isoformat(),
        "error": error,
    }


async def pause_submit(request: Request) -> Response:
    """Pauses mails and matching through a day, or resumes (``resume=1``)."""
    posted = await _posted(request)
    form, candidate = posted
    try:
        resume = pages.checked(form, "resume")
        until = None if resume else pause.parse_day(pages.text(form, "until"))
        await pause.set_pause(candidate.id, until)
    except DomainError as error:
        message = pages.message_for(request, error.errors[0].code, "paused_until")
        return await _portal(request, candidate, status_code=422, pause_error=message)
    return _back(request, "pause")


async def introduction_submit(request: Request) -> Response:
    posted = await _posted(request)
    form, candidate = posted
    answer = pages.text(form, "answer")
    raw_id = request.path_params["introduction_id"]
    if answer not in ("accept", "decline") or not (raw_id.isascii() and raw_id.isdigit()):
        return pages.error_page(request, "form.bad_title", "form.bad", status_code=400)
    try:
        await portal.respond_introduction(candidate.id, int(raw_id), answer == "accept")
    except DomainError:
        return pages.error_page(
            request,
            "portal.intro_failed_title",
            "portal.intro_failed",
            status_code=409,
            action=(f"/me/{request.path_params['token']}", "link.back_to_portal"),
        )
    return _back(request, "introduction")


async def export(request: Request) -> Response:
    candidate = await _candidate(request)
    data = await portal.export(candidate.id)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "content-disposition": 'attachment; filename="career-relay-my-data.json"',
            "cache-control": "no-store",
        },
    )


async def erase_page(request: Request) -> Response:
    await _candidate(request)  # a live link, or its error page
    return pages.render(request, "portal_erase.html", {"token": request.path_params["token"]})


async def erase_submit(request: Request) -> Response:
    token = request.path_params["token"]
    form = await pages.guard_post(request, back=f"/me/{token}/erase")
    candidate = await _candidate(request)
    if not pages.checked(form, "confirm"):
        errors = pages.Errors(fields={"confirm": pages.t(request)("errors.confirm.REQUIRED")})
        return pages.render(
            request,
            "portal_erase.html",
            {"token": token, "errors": errors},
            status_code=422,
            page_path=f"/me/{token}/erase",
        )
    await portal.erase(candidate.id, redis=request.app.state.redis)
    return RedirectResponse("/me/erased", status_code=303)


def routes() -> list[Route]:
    post = {"methods": ["POST"], "max_body_size": BODY_LIMIT}
    return [
        Route("/me", me_page, methods=["GET"]),
        Route("/me", me_submit, **post),
        Route("/me/sent", me_sent, methods=["GET"]),
        Route("/me/erased", erased, methods=["GET"]),
        Route("/me/{token}", portal_page, methods=["GET"]),
        Route("/me/{token}/profile", profile_submit, **post),
        Route("/me/{token}/consent", consent_submit, **post),
        Route("/me/{token}/pause", pause_submit, **post),
        Route("/me/{token}/introductions/{introduction_id}", introduction_submit, **post),
        Route("/me/{token}/export", export, methods=["GET"]),
        Route("/me/{token}/erase", erase_page, methods=["GET"]),
        Route("/me/{token}/erase", erase_submit, **post),
    ]
