"""Unicode-safe text handling shared by every module that reads user input."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_SLUG_DROP = re.compile(r"[^a-z0-9\-]+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
