"""``/register/{token}``: the registration form of a referral, and ``/privacy``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.candidates import consent, registration
from server.candidates import profiles as candidates
from server.errors import DomainError
from web import pages

PROFILE_FIELDS = (
    "display_name",
    "headline",
    "experience_years",
    "skills",
    "job_types",
    "locations",
    "conditions",
    "desired_conditions",
)
PORTAL_ACTION = ("/me", "link.to_portal")


def profile_from(form) -> candidates.ProfileInput:
    return candidates.ProfileInput(**{name: pages.text(form, name) for name in PROFILE_FIELDS})


def _form_context(page: registration.RegistrationPage, token: str) -> dict:
    return {
        "token": token,
        "company": page.company,
        "email": page.email,
        "form": page.form,
        "share": page.share,
        "follow_up": page.follow_up,
    }


async def register_page(request: Request) -> Response:
    """Shows the form; reads only (mail scanners prefetch links)."""
    token = request.path_params["token"]
    try:
        page = await registration.load(token, pages.lang(request))
    except DomainError as error:
        return pages.link_error(request, error, action=PORTAL_ACTION)
    if page.done:
        return pages.render(request, "register_done.html", {"company": page.company})
    return pages.render(request, "register.html", _form_context(page, token))


async def register_submit(request: Request) -> Response:
    token = request.path_params["token"]
    form = await pages.guard_post(request)
    data = profile_from(form)
    share = pages.checked(form, "share")
    follow_up = pages.checked(form, "follow_up")
    try:
        result = await registration.register(
            token,
            data,
            share=share,
            follow_up=follow_up,
            locale=pages.lang(request),
            redis=request.app.state.redis,
            client_ip=pages.client_ip(request),
        )
    except DomainError as error:
        if error.errors[0].field == ["token"]:
            return pages.link_error(request, error, action=PORTAL_ACTION)
        page = await registration.load(token, pages.lang(request))
        context = _form_context(page, token)
        context.update(
            form=data,
            share=share,
            follow_up=follow_up,
            errors=pages.errors_from(request, error, set(PROFILE_FIELDS)),
        )
        return pages.render(request, "register.html", context, status_code=422)
    if result.already_done:
        return pages.render(request, "register_done.html", {"company": result.company})
    return pages.render(
        request,
        "register_thanks.html",
        {"company": result.company, "shared": share, "follow_up": follow_up},
    )


async def privacy(request: Request) -> Response:
    settings = request.app.state.settings
    operator = {
        "name": settings.operator_name,
        "address": settings.operator_address,
        "contact": settings.operator_contact,
    }
    return pages.render(
        request, "privacy.html", {"terms_version": consent.TERMS_VERSION, "operator": operator}
    )


def routes() -> list[Route]:
    return [
        Route("/register/{token}", register_page, methods=["GET"]),
        Route(
            "/register/{token}",
            register_submit,
            methods=["POST"],
            max_body_size=pages.MAX_FORM_BYTES,
        ),
        Route("/privacy", privacy, methods=["GET"]),
    ]
