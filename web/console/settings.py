"""Settings (``/app/settings``): the company profile and mail sender, the time zone, the
follow-up policy and the notification mails. Changes need ``Permission.MANAGE``; everyone
signed in reads them. Webhook endpoints: ``web.console.webhooks``."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import available_timezones

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.companies import accounts
from server.errors import DomainError, ErrorCode, FieldError
from server.pool import followup_policy
from server.principal import Permission, Principal
from server.webhooks import endpoints, notify
from server.webhooks.events import EventType
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

PROFILE = {
    "mailFromName": "mail_from_name",
    "replyToEmail": "reply_to_email",
    "contactEmail": "contact_email",
    "agencyFeeYen": "agency_fee_yen",
    "undoWindowMinutes": "undo_window_minutes",
}
POLICY = {"delaysDays": "delays_days", "timezone": "timezone"}
NOTIFICATIONS = ("notify_introductions", "notify_reapplications", "notify_digest")
EVENTS = [e.value for e in EventType]
# Fields with a message of their own (``console.settings.error.<field>.<code>``).
FIELD_MESSAGES = (
    "delays_days.INVALID",
    "delays_days.TOO_LONG",
    "undo_window_minutes.INVALID",
    "agency_fee_yen.INVALID",
    "contact_email.INVALID",
    "reply_to_email.INVALID",
    "mail_from_name.TOO_LONG",
    "url.INVALID",
    "url.TOO_LONG",
    "timezone.INVALID",
)
ZONES = sorted(available_timezones() - {"Factory", "localtime"})


def field_errors(request: Request, error: DomainError, names: dict[str, str]) -> pages.Errors:
    """The core's errors next to the form's fields (``names``: core field -> form field),
    with a field's own message when the catalogue has one."""
    out = pages.Errors()
    for item in error.errors:
        name = next((names[f] for f in item.field if f in names), None)
        message = _message(request, item, name)
        if name is not None:
            out.fields.setdefault(name, message)
        elif message not in out.page:
            out.page.append(message)
    return out


def _message(request: Request, item: FieldError, name: str | None) -> str:
    if f"{name}.{item.code}" in FIELD_MESSAGES:
        return pages.t(request)(f"console.settings.error.{name}.{item.code}")
    return pages.message_for(request, item.code, name)


def _number(form: FormData, name: str) -> int:
    """A whole number as typed (full-width digits, 500,000 and ¥ allowed).

    Raises:
        DomainError: INVALID on ``name``.
    """
    raw = unicodedata.normalize("NFKC", pages.text(form, name))
    raw = re.sub(r"[\s,¥円分]", "", raw)
    if not re.fullmatch(r"\d{1,12}", raw):
        raise DomainError(ErrorCode.INVALID, "a whole number", [name])
    return int(raw)


def delays(text: str) -> list[int]:
    """Follow-up delays as typed ("182, 365", 「182、365」): days, in order of writing.

    Raises:
        DomainError: INVALID on ``delays_days`` for anything but whole numbers.
    """
    parts = [p for p in re.split(r"[\s,、]+", unicodedata.normalize("NFKC", text)) if p]
    if not all(p.isdigit() and len(p) <= 6 for p in parts):
        raise DomainError(ErrorCode.INVALID, "whole numbers of days", ["delays_days"])
    return [int(p) for p in parts]


async def show(
    request: Request,
    principal: Principal,
    *,
    form: dict | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
    extra: dict | None = None,
) -> Response:
    company = await accounts.get(principal, principal.require_company())
    rows = await endpoints.scoped(principal).order_by("id")
    values = {
        "mail_from_name": company.mail_from_name,
        "reply_to_email": company.reply_to_email,
        "contact_email": company.contact_email,
        "agency_fee_yen": str(company.agency_fee_yen),
        "undo_window_minutes": str(company.undo_window_minutes),
        "timezone": company.timezone,
        "delays_days": ", ".join(str(d) for d in company.followup_delays),
        "followup_enabled": company.followup_enabled,
        "followup_without_match": company.followup_without_match,
        "notify_introductions": company.notify_introductions,
        "notify_reapplications": company.notify_reapplications,
        "notify_digest": company.notify_digest,
        "url": "",
        "events": [],
        "format": "STANDARD",
    }
    values.update(form or {})
    return await view.render(
        request,
        principal,
        "console/settings.html",
        {
            "form": values,
            "errors": errors or pages.Errors(),
            "endpoints": rows,
            "events": EVENTS,
            "zones": ZONES,
            "default_sender": accounts.DEFAULT_FROM_NAME[company.locale].format(name=company.name),
            "max_undo": accounts.MAX_UNDO_WINDOW_MINUTES,
            "max_endpoints": endpoints.MAX_ENDPOINTS,
            "secret": "",
            **(extra or {}),
        },
        status_code=status_code,
        page_path="/app/settings",
    )


@page("/app/settings")
async def settings_page(request: Request, principal: Principal) -> Response:
    return await show(request, principal)


async def _failed(
    request: Request, principal: Principal, error: DomainError, form: dict, names: dict
) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    errors = field_errors(request, error, names)
    return await show(request, principal, form=form, errors=errors, status_code=422)


@action("/app/settings/profile", "updateCompanySettings", Permission.MANAGE)
async def update_profile(request: Request, principal: Principal, form: FormData) -> Response:
    typed = {name: pages.text(form, name).strip() for name in PROFILE.values()}
    names = PROFILE | {n: n for n in PROFILE.values()}
    try:
        await accounts.update_settings(
            principal,
            mail_from_name=typed["mail_from_name"],
            reply_to_email=typed["reply_to_email"],
            contact_email=typed["contact_email"],
            agency_fee_yen=_number(form, "agency_fee_yen"),
            undo_window_minutes=_number(form, "undo_window_minutes"),
        )
    except DomainError as error:
        return await _failed(request, principal, error, typed, names)
    return done("/app/settings", "console.ok.settings_saved")


@action("/app/settings/timezone", "updateFollowUpPolicy", Permission.MANAGE)
async def update_timezone(request: Request, principal: Principal, form: FormData) -> Response:
    typed = {"timezone": pages.text(form, "timezone")}
    try:
        await followup_policy.update_policy(principal, timezone=typed["timezone"])
    except DomainError as error:
        return await _failed(request, principal, error, typed, POLICY)
    return done("/app/settings", "console.ok.timezone_saved")


@action("/app/settings/followups", "updateFollowUpPolicy", Permission.MANAGE)
async def update_followups(request: Request, principal: Principal, form: FormData) -> Response:
    typed = {
        "delays_days": pages.text(form, "delays_days"),
        "followup_enabled": pages.checked(form, "followup_enabled"),
        "followup_without_match": pages.checked(form, "followup_without_match"),
    }
    names = POLICY | {"delays_days": "delays_days"}
    try:
        await followup_policy.update_policy(
            principal,
            delays_days=delays(typed["delays_days"]),
            enabled=typed["followup_enabled"],
            send_without_match=typed["followup_without_match"],
        )
    except DomainError as error:
        return await _failed(request, principal, error, typed, names)
    return done("/app/settings", "console.ok.followups_saved")


@action("/app/settings/notifications", "updateNotificationSettings", Permission.MANAGE)
async def update_notifications(request: Request, principal: Principal, form: FormData) -> Response:
    await notify.update_settings(
        principal,
        introductions=pages.checked(form, "notify_introductions"),
        reapplications=pages.checked(form, "notify_reapplications"),
        digest=pages.checked(form, "notify_digest"),
    )
    return done("/app/settings", "console.ok.notifications_saved")
