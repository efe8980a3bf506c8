"""The one translation catalogue of pages and mails: ``server/locale/{ja,en}/LC_MESSAGES/
messages.po``, read with Babel.

Message ids are symbolic dotted keys (``join.title``, ``mail.join_confirm.subject``), not
English source text, so a Japanese-first text can change without changing its id.
Placeholders are ``str.format`` fields (``{name}``), filled after translation; pages escape
the result like any other string. A key missing in one language falls back to Japanese, then
to the key itself. ``make messages`` extracts the keys into ``server/locale/messages.pot``;
``tests/test_translations.py`` fails on a missing or unused key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGS = ("ja", "en")
DEFAULT = "ja"
DIRECTORY = Path(__file__).parent / "locale"
DOMAIN = "messages"

Translator = Callable[..., str]


def path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache
def catalog(lang: str) -> dict[str, str]:
    """Every text of one language, by key (read once per process)."""
    with path(lang).open("rb") as handle:
        po = read_po(handle, locale=lang, domain=DOMAIN)
    return {str(m.id): str(m.string) for m in po if m.id and m.string}


def has(lang: str, key: str) -> bool:
    return key in catalog(lang)


def translate(lang: str, key: str, **values: object) -> str:
    text = catalog(lang if lang in LANGS else DEFAULT).get(key)
    if text is None:
        log.warning("missing translation %s/%s", lang, key)
        text = catalog(DEFAULT).get(key, key)
    return text.format(**values) if values else text


def translator(lang: str) -> Translator:
    """``t(key, **values)`` for one language."""

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    return t
