"""``/r/{token}``: the tracked link in rejection mails."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from server.network import referrals

NOT_FOUND_PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>リンクが見つかりません / Link not found</title></head>
<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem">
<h1>リンクが見つかりません</h1>
<p>このリンクは無効か、有効期限が切れています。お手数ですが、メールに記載の企業にお問い合わせください。</p>
<h2 lang="en">Link not found</h2>
<p lang="en">This link is not valid or has expired.</p>
</body></html>"""


async def referral_link(request: Request) -> Response:
    """Counts the click and sends the person on to the registration form.

    Only counting happens here: mail scanners prefetch links, so nothing is consumed.
    """
    referral = await referrals.record_click(request.path_params["token"])
    if referral is None:
        return HTMLResponse(NOT_FOUND_PAGE, status_code=404)
    return RedirectResponse(f"/register/{request.path_params['token']}", status_code=303)


def routes() -> list[Route]:
    return [Route("/r/{token}", referral_link, methods=["GET"])]
