"""CSRF protection: a signed double-submit token, its cookie signed too.

A random value, signed with ``settings.secret_key`` (itsdangerous), lives in an HttpOnly,
SameSite=Lax cookie (``__Host-relay_csrf`` when the public URL is https: no subdomain can
set or shadow it); every form carries that value signed again (timestamped). A POST passes
only when the cookie's signature holds, the form's token verifies, is younger than
:data:`MAX_AGE`, and carries the cookie's value. A cookie the server did not sign is never
adopted: a value planted in a browser (by a sibling subdomain, a proxy) gets no token. A
cross-site ``Origin`` / ``Sec-Fetch-Site`` is refused outright as a second line.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from itsdangerous import BadData, Signer, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from server.config import get_settings

COOKIE = "relay_csrf"
HOST_COOKIE = f"__Host-{COOKIE}"  # https only: Secure, Path=/, no Domain
FIELD = "csrf_token"
MAX_AGE = 12 * 3600  # seconds a rendered form stays valid
MAX_COOKIE = 200
_SALT = "career-relay.csrf.v1"
_COOKIE_SALT = "career-relay.csrf-cookie.v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=_SALT)


def _signer() -> Signer:
    return Signer(get_settings().secret_key, salt=_COOKIE_SALT)


def cookie_name() -> str:
    return HOST_COOKIE if get_settings().is_https else COOKIE


def _verified(cookie: str | None) -> str | None:
    """The random value of a cookie this server signed, else None."""
    if not cookie or len(cookie) > MAX_COOKIE:
        return None
    try:
        return _signer().unsign(cookie).decode()
    except (BadData, UnicodeDecodeError):
        return None


def cookie_value(request: Request) -> str:
    """This browser's signed CSRF cookie (a fresh one when it is missing or not ours)."""
    cached = request.scope.get("relay.csrf")
    if cached:
        return cached
    cookie = request.cookies.get(cookie_name())
    if _verified(cookie) is None:
        cookie = _signer().sign(secrets.token_urlsafe(32)).decode()
    request.scope["relay.csrf"] = cookie
    return cookie


def token(request: Request) -> str:
    """The hidden form field for this browser."""
    value = _verified(cookie_value(request))
    return _serializer().dumps(value)


def set_cookie(request: Request, response: Response) -> None:
    """Sends the cookie when the browser does not hold this value yet."""
    cookie = cookie_value(request)
    name = cookie_name()
    if request.cookies.get(name) != cookie:
        response.set_cookie(
            name,
            cookie,
            httponly=True,
            samesite="lax",
            secure=get_settings().is_https,
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
    cookie = _verified(request.cookies.get(cookie_name()))
    if not cookie or not submitted or len(submitted) > 500:
        return False
    try:
        value = _serializer().loads(submitted, max_age=MAX_AGE)
    except BadData:
        return False
    return isinstance(value, str) and hmac.compare_digest(value, cookie)
