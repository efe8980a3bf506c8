"""``/u/{token}``: unsubscribing from the link in every mail (RFC 8058 one-click).

Mail clients POST ``List-Unsubscribe=One-Click`` to the URL from the mail's
``List-Unsubscribe`` header, without cookies and from no page of ours, so this POST carries no
CSRF token: the unguessable token in the URL is the authorisation, and unsubscribing is safe
to repeat. A GET never changes anything (mail scanners prefetch links); it shows a button that
posts the same body.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from server import suppressions, tokens
from server.errors import DomainError, ErrorCode
from server.models import TokenPurpose

MAX_BODY_BYTES = 1024
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

_PAGE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{title}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""

_CONFIRM = """<h1>配信停止</h1>
<p>Career Relay からのメール配信を停止しますか？</p>
<p lang="en">Stop receiving mail from Career Relay?</p>
<form method="post" action="{action}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">配信を停止する / Unsubscribe</button>
</form>"""

_DONE = """<h1>配信を停止しました</h1>
<p>このメールアドレスには、今後 Career Relay からのお知らせをお送りしません。</p>
<p lang="en">You have been unsubscribed: Career Relay will not mail this address again.</p>"""

_NOT_FOUND = """<h1>リンクが見つかりません</h1>
<p>このリンクは無効か、有効期限が切れています。</p>
<p lang="en">This link is not valid or has expired.</p>"""

_BAD_REQUEST = """<h1>配信停止を受け付けられませんでした</h1>
<p>メールに記載のリンクから、もう一度お試しください。</p>
<p lang="en">This request could not be processed. Please use the link in the mail again.</p>"""


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=title, body=body), status_code=status_code, headers=_HEADERS
    )


def _link_error(error: DomainError) -> HTMLResponse:
    expired = error.errors[0].code == ErrorCode.EXPIRED
    return _page("リンクが見つかりません / Link not found", _NOT_FOUND, 410 if expired else 404)


async def _is_one_click(request: Request) -> bool:
    """Whether the body is RFC 8058's ``List-Unsubscribe=One-Click`` (urlencoded or
    multipart, as the RFC allows)."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        return False
    form = await request.form(max_files=0, max_fields=5)
    return form.get("List-Unsubscribe") == "One-Click"


async def unsubscribe(request: Request) -> Response:
    """GET: a confirmation button; POST (one-click): unsubscribes, idempotently."""
    raw = request.path_params["token"]
    if request.method == "POST":
        if not await _is_one_click(request):
            return _page("配信停止 / Unsubscribe", _BAD_REQUEST, 400)
        try:
            await suppressions.unsubscribe_with_token(raw)
        except DomainError as error:
            return _link_error(error)
        return _page("配信を停止しました / Unsubscribed", _DONE)
    try:
        await tokens.find(raw, TokenPurpose.UNSUBSCRIBE)
    except DomainError as error:
        return _link_error(error)
    return _page("配信停止 / Unsubscribe", _CONFIRM.format(action=escape(request.url.path)))


def routes() -> list[Route]:
    return [Route("/u/{token}", unsubscribe, methods=["GET", "POST"])]
