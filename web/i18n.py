"""Translations: Japanese by default, English by Accept-Language, ``?lang=`` or the cookie.

Every string a page shows lives in ``web/translations/{ja,en}.json`` (nested objects, read
with dotted keys); templates call ``t("section.key", name=value)``. Values are inserted with
``str.format`` into the translated text only, and the result is autoescaped like any other
string.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request

log = logging.getLogger(__name__)

LANGS = ("ja", "en")
DEFAULT = "ja"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
DIRECTORY = Path(__file__).parent / "translations"

Translator = Callable[..., str]


def _flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = str(value)
    return out


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    """Every string of one language, by dotted key."""
    with (DIRECTORY / f"{lang}.json").open(encoding="utf-8") as handle:
        return _flatten(json.load(handle))


def has(lang: str, key: str) -> bool:
    return key in catalog(lang)


def translator(lang: str) -> Translator:
    """``t(key, **values)`` for one language; a missing key falls back to Japanese, then the key."""
    strings = catalog(lang)
    fallback = catalog(DEFAULT)

    def t(key: str, **values: object) -> str:
        text = strings.get(key)
        if text is None:
            log.warning("missing translation %s/%s", lang, key)
            text = fallback.get(key, key)
        return text.format(**values) if values else text

    return t


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
