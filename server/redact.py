"""Personal link tokens taken out of what is kept: access logs and sent mail bodies.

Only a token's hash is stored (``server.tokens``); a log line or a stored mail holding the raw
token would undo that. A token is the path segment after one of :data:`TOKEN_PATHS`
(``secrets.token_urlsafe``: 16+ URL-safe characters, so ``/me/sent`` stays readable).
"""

from __future__ import annotations

import logging
import re

# Longer prefixes first: "me/introductions/<token>" is not "me/<token>".
TOKEN_PATHS = ("me/introductions", "join/confirm", "register", "me", "r", "a", "c", "u")
REDACTED = "[redacted]"
_TOKEN = r"[A-Za-z0-9_\-]{16,}"
_PATHS = "|".join(re.escape(p) for p in TOKEN_PATHS)
_ANY_PATH = re.compile(rf"(/(?:{_PATHS})/){_TOKEN}")


def redact_paths(text: str) -> str:
    """The text with every token path segment (anywhere in it) replaced by ``[redacted]``."""
    if text.count("/") < 2:  # no "/<path>/<token>": every access line's address, method, ...
        return text
    return _ANY_PATH.sub(rf"\1{REDACTED}", text)


def redact_links(text: str, base_url: str) -> str:
    """The text with the tokens of links to ``base_url`` replaced (other sites' links kept)."""
    pattern = re.compile(rf"({re.escape(base_url)}/(?:{_PATHS})/){_TOKEN}")
    return pattern.sub(rf"\1{REDACTED}", text)


class RedactTokens(logging.Filter):
    """Redacts token paths in a record's arguments (uvicorn's access line carries the path as
    an argument) and in its message; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_paths(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact_paths(record.msg)
        return True


ACCESS_LOGGERS = ("uvicorn.access", "gunicorn.access")


def install(loggers: tuple[str, ...] = ACCESS_LOGGERS) -> None:
    """Puts the filter on the access loggers (once each, however often it is called)."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
