"""``/u/{token}``: unsubscribing from the link in every mail (RFC 8058 one-click).

Mail clients POST ``List-Unsubscribe=One-Click`` to the URL from the mail's
``List-Unsubscribe`` header, without cookies and from no page of ours, so this POST carries no
CSRF token: the unguessable token in the URL is the authorisation, and unsubscribing is safe
to repeat. A GET never changes anything (mail scanners prefetch links); it shows a button that
posts the same body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import tokens
from server.errors import DomainError
from server.mail import suppressions
from server.models import TokenPurpose
from web import pages

MAX_BODY_BYTES = 1024


async def _is_one_click(request: Request) -> bool:
    """Whether the body is RFC 8058's ``List-Unsubscribe=One-Click`` (urlencoded or
    multipart, as the RFC allows)."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        return False
    form = await request.form(max_files=0, max_fields=5)
    return form.get("List-Unsubscribe") == "One-Click"


def _link_error(request: Request, error: DomainError) -> Response:
    return pages.link_error(request, error, action=("/privacy", "site.privacy"))


async def unsubscribe(request: Request) -> Response:
    """GET: a confirmation button; POST (one-click): unsubscribes, idempotently."""
    raw = request.path_params["token"]
    if request.method == "POST":
        if not await _is_one_click(request):
            return pages.error_page(
                request, "unsubscribe.title", "unsubscribe.bad_request", status_code=400
            )
        try:
            await suppressions.unsubscribe_with_token(raw)
        except DomainError as error:
            return _link_error(request, error)
        return pages.error_page(
            request, "unsubscribe.done_title", "unsubscribe.done", status_code=200
        )
    try:
        await tokens.find(raw, TokenPurpose.UNSUBSCRIBE)
    except DomainError as error:
        return _link_error(request, error)
    return pages.render(request, "unsubscribe.html", {"action": request.url.path})


def routes() -> list[Route]:
    return [Route("/u/{token}", unsubscribe, methods=["GET", "POST"])]
