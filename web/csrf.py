"""CSRF protection: a signed double-submit token.

A random value lives in an HttpOnly, SameSite=Lax cookie; every form carries that value
signed with ``settings.secret_key`` (itsdangerous, timestamped). A POST passes only when the
form's token verifies, is younger than :data:`MAX_AGE`, and carries the cookie's value. A
site that cannot read the cookie cannot build the form field, and without the secret key a
planted cookie does not help either. A cross-site ``Origin`` / ``Sec-Fetch-Site`` is refused
outright as a second line.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from server.config import get_settings

COOKIE = "relay_csrf"
FIELD = "csrf_token"
MAX_AGE = 12 * 3600  # seconds a rendered form stays valid
_SALT = "career-relay.csrf.v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=_SALT)


def cookie_value(request: Request) -> str:
    """This browser's CSRF value (a fresh one when the cookie is missing or malformed)."""
    cached = request.scope.get("relay.csrf")
    if cached:
        return cached
    value = request.cookies.get(COOKIE, "")
    if not (20 <= len(value) <= 100 and value.replace("-", "").replace("_", "").isalnum()):
        value = secrets.token_urlsafe(32)
    request.scope["relay.csrf"] = value
    return value


def token(request: Request) -> str:
    """The hidden form field for this browser."""
    return _serializer().dumps(cookie_value(request))


def set_cookie(request: Request, response: Response) -> None:
    """Sends the cookie when the browser does not hold this value yet."""
    value = cookie_value(request)
    if request.cookies.get(COOKIE) != value:
        response.set_cookie(
            COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=get_settings().public_url.startswith("https://"),
            path="/",
        )


def _same_origin(request: Request) -> bool:
    """False for a request a browser marks as coming from another site.

    ``Origin: null`` is not a refusal: with ``Referrer-Policy: no-referrer`` browsers send it
    on every form POST, same-origin ones included; ``Sec-Fetch-Site`` still tells.
    """
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    ours = {
        request.headers.get("host", "").lower(),
        urlsplit(get_settings().public_url).netloc.lower(),
    }
    return urlsplit(origin).netloc.lower() in ours


def valid(request: Request, submitted: str | None) -> bool:
    """Whether a POST's form token belongs to this browser and is fresh."""
    if not _same_origin(request):
        return False
    cookie = request.cookies.get(COOKIE)
    if not cookie or not submitted or len(submitted) > 500:
        return False
    try:
        value = _serializer().loads(submitted, max_age=MAX_AGE)
    except BadData:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, cookie)
