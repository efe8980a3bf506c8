"""Rendering shared by the candidate pages: Jinja2 (autoescaped), language, CSRF, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from server import ratelimit, timezones
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode
from web import csrf, i18n

TEMPLATES = Path(__file__).parent / "templates"
MAX_FORM_BYTES = 512 * 1024  # a 10,000-character field is refused with a message, not a 413

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# ``_()``/``gettext()`` in a template resolve ``gettext`` from the render context, which
# ``render`` sets to the request's translator (the same function as ``t``); this install is the
# default for templates rendered without one. Old-style callables: values go through
# ``str.format`` inside the translator, as with ``t``.
env.install_gettext_callables(
    gettext=i18n.translator(i18n.DEFAULT),
    ngettext=lambda singular, plural, n, **values: i18n.translator(i18n.DEFAULT)(
        singular if n == 1 else plural, **values
    ),
    newstyle=False,
)

DISPLAY_ZONE = timezones.JAPAN


def _ymd(value: datetime | None) -> str:
    """A date as people in Japan read it (YYYY-MM-DD, Japan time)."""
    return value.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d") if value else ""


def _ymdhm(value: datetime | None) -> str:
    """A date and time as people in Japan read it (YYYY-MM-DD HH:MM, Japan time)."""
    return value.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M") if value else ""


env.filters["ymd"] = _ymd
env.filters["ymdhm"] = _ymdhm

# Values shown in error messages ("at most {max} characters").
LIMITS: dict[str, Any] = {
    "max_name": candidates.MAX_NAME,
    "max_headline": candidates.MAX_HEADLINE,
    "max_conditions": candidates.MAX_CONDITIONS,
    "max_years": candidates.MAX_YEARS,
    "max_tags": candidates.MAX_TAGS,
    "max_tag_length": candidates.MAX_TAG_LENGTH,
}


@dataclass
class Errors:
    """Form messages: one per field, shown next to it, and page-level ones on top."""

    fields: dict[str, str] = field(default_factory=dict)
    page: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.page)


def lang(request: Request) -> str:
    cached = request.scope.get("relay.lang")
    if cached is None:
        cached = request.scope["relay.lang"] = i18n.negotiate(request)
    return cached


def t(request: Request) -> i18n.Translator:
    return i18n.translator(lang(request))


def message_for(request: Request, code: ErrorCode | str, field_name: str | None = None) -> str:
    """The translated message for an error code, field-specific when the catalogue has one."""
    language = lang(request)
    translate = i18n.translator(language)
    code = str(code)
    if field_name:
        key = f"errors.{field_name}.{code}"
        if i18n.has(language, key):
            return translate(key, **LIMITS)
    key = f"errors.{code}"
    return translate(key, **LIMITS) if i18n.has(language, key) else translate("errors.INVALID")


def errors_from(request: Request, error: DomainError, known: set[str]) -> Errors:
    """Domain errors as form messages: next to the field when the form has it, else on top."""
    out = Errors()
    for item in error.errors:
        name = item.field[-1] if item.field else None
        if name in candidates.TAG_FIELDS:
            message = message_for(request, item.code, "tags")
        else:
            message = message_for(request, item.code, name)
        if name in known:
            out.fields.setdefault(name, message)
        elif message not in out.page:
            out.page.append(message)
    return out


def lang_url(request: Request, target: str, path: str | None = None) -> str:
    """The current page (or ``path``) in another language."""
    query = {k: v for k, v in request.query_params.items() if k not in ("lang", "ok")}
    query["lang"] = target
    return f"{path or request.url.path}?{urlencode(query)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    page_path: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page in the request's language, with a CSRF token and no caching of personal data.

    ``page_path`` is the GET address of the page shown (for the language switch) when it
    answers a POST.
    """
    language = lang(request)
    translate = i18n.translator(language)
    values = {
        "request": request,
        "lang": language,
        "t": translate,
        "gettext": translate,
        "csrf_field": csrf.FIELD,
        "csrf_token": csrf.token(request),
        "lang_urls": {code: lang_url(request, code, page_path) for code in i18n.LANGS},
        "errors": Errors(),
        "limits": LIMITS,
    }
    values.update(context or {})
    body = env.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers["cache-control"] = "no-store"
    response.headers["content-language"] = language
    csrf.set_cookie(request, response)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(
            i18n.COOKIE, language, max_age=i18n.COOKIE_MAX_AGE, samesite="lax", path="/"
        )
    return response


def error_page(
    request: Request,
    title_key: str,
    message_key: str,
    *,
    status_code: int,
    action: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page that only explains (a dead link, a refused form) with an optional way on."""
    return render(
        request,
        "message.html",
        {"title_key": title_key, "message_key": message_key, "action": action},
        status_code=status_code,
        headers=headers,
    )


def link_error(request: Request, error: DomainError, *, action: tuple[str, str]) -> HTMLResponse:
    """The page for a token link that does not work (unknown or expired)."""
    if error.errors[0].code == ErrorCode.EXPIRED:
        return error_page(
            request, "link.expired_title", "link.expired", status_code=410, action=action
        )
    return error_page(request, "link.invalid_title", "link.invalid", status_code=404, action=action)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def throttled(request: Request, *limits: ratelimit.Limit) -> Response | None:
    """Counts the request against each limit; the 429 page when one is exceeded."""
    redis = request.app.state.redis
    for limit in limits:
        if not await ratelimit.hit(redis, limit, client_ip(request)):
            return error_page(
                request,
                "throttled.title",
                "throttled.message",
                status_code=429,
                headers={"retry-after": str(limit.window)},
            )
    return None


async def read_form(request: Request) -> FormData | None:
    """The posted form, or None when it is too large or not a form."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
        return None
    try:
        return await request.form(max_files=0, max_fields=50, max_part_size=MAX_FORM_BYTES)
    except (HTTPException, MultiPartException, ValueError):  # malformed bodies
        return None


class Answered(Exception):
    """A page that answers the request instead of the route (a refused POST, a dead link):
    raised from a helper, turned into its response by :func:`answered`."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def answered(request: Request, exc: Exception) -> Response:
    """The exception handler of :class:`Answered` (``EXCEPTION_HANDLERS``)."""
    assert isinstance(exc, Answered)
    return exc.response


EXCEPTION_HANDLERS = {Answered: answered}


async def guard_post(
    request: Request,
    *limits: ratelimit.Limit,
    back: str | None = None,
    posts: ratelimit.Limit = ratelimit.FORM_POSTS,
) -> FormData:
    """What every POST does first: rate limits, a readable form, a valid CSRF token.

    Returns the form; raises :class:`Answered` with the page that refuses the request
    (``back``: the page to go back to, by default the posted address; ``posts``: the limit
    of all posts from one address, the console's is higher than the public pages').
    """
    refused = await throttled(request, posts, *limits)
    if refused is not None:
        raise Answered(refused)
    form = await read_form(request)
    if form is None:
        raise Answered(error_page(request, "form.bad_title", "form.bad", status_code=400))
    if not csrf.valid(request, _text(form, csrf.FIELD)):
        raise Answered(
            error_page(
                request,
                "csrf.title",
                "csrf.message",
                status_code=403,
                action=(back or request.url.path, "csrf.retry"),
            )
        )
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def text(form: FormData, name: str) -> str:
    """A posted text field ('' when missing or a file)."""
    return _text(form, name)


def checked(form: FormData, name: str) -> bool:
    return _text(form, name) in ("1", "on", "yes", "true")
