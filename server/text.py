"""Unicode-safe text handling shared by every module that reads user input."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_SPACES = re.compile(r"\s+")
_SLUG_DROP = re.compile(r"[^a-z0-9\-]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Between the items of a typed list, after NFKC (which folds "，；｜" to ",;|" and the
# half-width "､" to "、"): commas, 、, semicolons, bars and line breaks.
_LIST_SPLIT = re.compile(r"[,、;|\n\r]+")
# Inside one item, 中黒 and slashes also separate ("Python・SQL", "AWS／GCP"), but they are
# part of some names too ("CI/CD", "パート・アルバイト"): callers decide (server/tags.py).
COMPOUND_SEPARATORS = "・/"


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), trimmed, inner whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def fold(text: str) -> str:
    """:func:`normalize` plus case folding: the form used for lookups."""
    return normalize(text).casefold()


def normalize_email(email: str) -> str:
    """Lookup form of an address (NFKC, trimmed, lower-cased)."""
    return fold(email).replace(" ", "")


GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def mailbox_key(address: str) -> str:
    """The mailbox a normalised address reaches, for per-address caps: the ``+tag`` of the
    local part dropped, and for Gmail its dots too (all of them are delivered to one box)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def is_email(email: str) -> bool:
    return bool(_EMAIL.match(normalize_email(email))) and len(email) <= 320


def slugify(text: str) -> str:
    """ASCII slug; empty when the text has no ASCII letters or digits."""
    slug = _SLUG_DROP.sub("-", fold(text).replace(" ", "-"))
    return re.sub(r"-{2,}", "-", slug).strip("-")


def split_list(text: str) -> list[str]:
    """Items of a typed list: NFKC, split on commas, 、, ;, | and line breaks, each item
    normalised; blanks and repeats (case-insensitive) dropped, order kept."""
    seen: set[str] = set()
    out = []
    for part in _LIST_SPLIT.split(unicodedata.normalize("NFKC", text)):
        part = normalize(part)
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            out.append(part)
    return out


@cache
def _raw_split() -> re.Pattern[str]:
    """The separators of split_list as typed, before NFKC (，；｜､ and the like)."""
    chars = (chr(c) for c in range(0x10000))
    typed = "".join(c for c in chars if _LIST_SPLIT.fullmatch(unicodedata.normalize("NFKC", c)))
    return re.compile(f"[{re.escape(typed)}]+")


def split_list_typed(text: str) -> list[tuple[str, str]]:
    """:func:`split_list`'s items, each with the text it was typed as (full-width kept)."""
    seen: set[str] = set()
    out = []
    for typed in _raw_split().split(text):
        for item in split_list(typed):
            if item.casefold() not in seen:
                seen.add(item.casefold())
                out.append((typed.strip(), item))
    return out


def split_compound(item: str, separators: str = COMPOUND_SEPARATORS) -> list[str]:
    """The parts of a list item joined by 中黒 or slashes (one part when there are none)."""
    parts = [normalize(p) for p in re.split(f"[{re.escape(separators)}]", normalize(item))]
    parts = [p for p in parts if p]
    return parts if len(parts) > 1 else [normalize(item)]
