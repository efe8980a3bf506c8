"""The rejection mail (``/app/mail``): the template per language, its preview as the candidate
sees it, a test send to the member's own address. Editing needs ``Permission.WRITE``."""

from __future__ import annotations

import re

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.applications import templates
from server.companies import accounts, rejection_mail
from server.errors import DomainError, ErrorCode, FieldError
from server.models import Locale
from server.principal import Permission, Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused
from web.security import CSP

FIELDS = ("subject", "body")
LOCALES = [locale.value for locale in Locale]
# What the template language refuses, in words HR staff read (the core's message as a rule).
_REASONS = (
    ("include is not", "console.mail.error.include"),
    ("import is not", "console.mail.error.include"),
    ("extends is not", "console.mail.error.include"),
    ("range() is limited", "console.mail.error.range"),
    ("loops may not be nested", "console.mail.error.nested"),
    ("is longer than", "console.mail.error.output"),
    ("takes longer than", "console.mail.error.slow"),
    ("is not available; use", "console.mail.error.filter"),
    ("attributes are not available", "console.mail.error.attribute"),
    ("only range() may be called", "console.mail.error.call"),
    ("must contain {{ registration_url }}", "console.mail.error.registration_url"),
)
LIVE_PREVIEW_CSP = f"{CSP}; script-src 'self'; connect-src 'self'"
_UNKNOWN = re.compile(r"unknown variables \[(.*?)\]")


def _locale(value: str) -> Locale:
    return Locale(value) if value in LOCALES else Locale.JA


def _message(request: Request, item: FieldError, name: str) -> str:
    t = pages.t(request)
    if item.code == ErrorCode.TEMPLATE_INVALID:
        if unknown := _UNKNOWN.search(item.message):
            return t("console.mail.error.unknown", names=unknown.group(1).replace("'", ""))
        for needle, key in _REASONS:
            if needle in item.message:
                return t(key)
        return t("console.mail.error.syntax", detail=item.message.split(": ", 1)[-1])
    if item.code == ErrorCode.TOO_LONG:
        limit = templates.MAX_SUBJECT if name == "subject" else templates.MAX_BODY
        return t("console.mail.error.too_long", max=f"{limit:,}")
    if item.code == ErrorCode.LINK_NOT_ALLOWED:
        return t("console.mail.error.link")
    return pages.message_for(request, item.code, name)


def template_errors(request: Request, error: DomainError) -> pages.Errors:
    """The template's errors next to its fields, in the member's language."""
    out = pages.Errors()
    for item in error.errors:
        name = next((f for f in reversed(item.field) if f in FIELDS), None)
        if name is not None:
            out.fields.setdefault(name, _message(request, item, name))
        elif (message := _message(request, item, "")) not in out.page:
            out.page.append(message)
    return out


async def _page(
    request: Request,
    principal: Principal,
    locale: Locale,
    *,
    draft: dict[str, str] | None = None,
    errors: pages.Errors | None = None,
    sent_to: str = "",
    status_code: int = 200,
) -> Response:
    company = await accounts.get(principal, principal.require_company())
    saved = company.rejection_templates.get(locale.value)
    form = draft or saved or templates.DEFAULTS[locale.value]
    if request.query_params.get("default") == "1" and draft is None:
        form = templates.DEFAULTS[locale.value]
    shown = None
    if not (errors and errors.fields):  # a draft with errors has no preview
        shown = await rejection_mail.preview(
            principal, locale, *((draft["subject"], draft["body"]) if draft else (None, None))
        )
    response = await view.render(
        request,
        principal,
        "console/mail.html",
        {
            "locale": locale.value,
            "locales": LOCALES,
            "form": form,
            "saved": saved is not None,
            "is_draft": draft is not None,
            "errors": errors or pages.Errors(),
            "sent_to": sent_to,
            "preview": shown,
            "paragraphs": _paragraphs(shown.mail.text) if shown else [],
            "variables": sorted(templates.VARIABLES),
            "sample": templates.sample_values() | {"company_name": company.name},
            "filters": sorted(templates.FILTERS),
            "limits": {
                "subject": f"{templates.MAX_SUBJECT:,}",
                "body": f"{templates.MAX_BODY:,}",
                "range": templates.MAX_RANGE,
            },
        },
        status_code=status_code,
        page_path=f"/app/mail?template={locale.value}",
    )
    # This page alone runs a script (the live preview), from /static, posting to itself.
    response.headers["content-security-policy"] = LIVE_PREVIEW_CSP
    return response


_LINK = re.compile(r"(https?://[^\s<]+)")


def _paragraphs(text: str) -> list[list[list[tuple[str, bool]]]]:
    """Paragraphs > lines > (text, is_link) pieces: the HTML part of the mail, built by the
    template (autoescaped) rather than inserted as markup."""
    return [
        [[(piece, bool(_LINK.fullmatch(piece))) for piece in _LINK.split(line) if piece]
         for line in paragraph.split("\n")]
        for paragraph in text.strip().split("\n\n")
    ]  # fmt: skip


@page("/app/mail")
async def mail_page(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, _locale(request.query_params.get("template", "")))


def _draft(form: FormData) -> dict[str, str]:
    return {name: pages.text(form, name).replace("\r\n", "\n") for name in FIELDS}


@action("/app/mail/{locale}", "updateRejectionTemplate", Permission.WRITE)
async def save(request: Request, principal: Principal, form: FormData) -> Response:
    """Saves the template, or (``intent=preview``) shows the draft's preview, saving nothing."""
    locale = _locale(request.path_params["locale"])
    draft = _draft(form)
    try:
        if pages.text(form, "intent") == "preview":
            return await _page(request, principal, locale, draft=draft)
        await accounts.update_rejection_template(principal, locale, draft["subject"], draft["body"])
    except DomainError as error:
        return await _refused(request, principal, locale, draft, error)
    return done("/app/mail", "console.ok.mail_saved", template=locale.value)


@action("/app/mail/{locale}/test", "sendTestRejectionMail", Permission.WRITE)
async def send_test(request: Request, principal: Principal, form: FormData) -> Response:
    """The draft in the editor, to the member's own address (saving nothing)."""
    locale = _locale(request.path_params["locale"])
    draft = _draft(form)
    try:
        message = await rejection_mail.send_test(
            principal, request.app.state.redis, locale, draft["subject"], draft["body"]
        )
    except DomainError as error:
        return await _refused(request, principal, locale, draft, error)
    # The editor keeps the draft (a test often comes before saving).
    return await _page(request, principal, locale, draft=draft, sent_to=message.recipient)


async def _refused(
    request: Request, principal: Principal, locale: Locale, draft: dict, error: DomainError
) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    errors = template_errors(request, error)
    status = 429 if error.errors[0].code == ErrorCode.THROTTLED else 422
    if request.headers.get("x-live-preview") == "1":
        status = 200  # the script's preview of a draft being typed: errors are its content
    return await _page(request, principal, locale, draft=draft, errors=errors, status_code=status)
