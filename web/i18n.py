"""Language negotiation: Japanese by default, English by Accept-Language, ``?lang=`` or the
cookie. The texts are the core's one catalogue (``server/i18n.py``, gettext PO files);
templates call ``t("section.key", name=value)`` or ``_("section.key")`` (``jinja2.ext.i18n``).
"""

from __future__ import annotations

from starlette.requests import Request

from server.i18n import DEFAULT, LANGS, Translator, catalog, has, translator

__all__ = ["COOKIE", "DEFAULT", "LANGS", "Translator", "catalog", "has", "negotiate", "translator"]

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def _accept_language(header: str) -> str | None:
    """The first supported language by the header's preference order (q values)."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in LANGS and quality > 0:
            choices.append((-quality, index, primary))
    return min(choices)[2] if choices else None


def negotiate(request: Request) -> str:
    """``?lang=`` beats the cookie, which beats Accept-Language; Japanese otherwise."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie
    return _accept_language(request.headers.get("accept-language", "")) or DEFAULT
