"""``/dev/mailbox``: the mails the local SMTP sink of ``relay up`` stored, newest first.

Development only: the route does not exist in test or production, because the mails hold
candidates' personal links. Links in the text are made clickable so a developer can walk the
candidate flow from a mail.
"""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from server.config import Settings
from server.mail.dev_mailbox import read_mailbox
from web import pages

MAX_SHOWN = 50
_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """Escaped text whose http(s) addresses are links."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def routes(settings: Settings) -> list[Route]:
    if not settings.is_development:
        return []
    mail_dir = Path(settings.var_dir) / "mail"

    async def mailbox(request: Request) -> HTMLResponse:
        messages = read_mailbox(mail_dir, limit=MAX_SHOWN)
        for message in messages:
            message["html"] = linkify(message["text"])
        return pages.render(
            request,
            "mailbox.html",
            {"messages": messages, "mail_dir": str(mail_dir), "limit": MAX_SHOWN},
        )

    return [Route("/dev/mailbox", mailbox, methods=["GET"])]
