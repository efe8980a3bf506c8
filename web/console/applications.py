"""``/app/applications``: find applications, see one with its history, move it along, reject
one or several (the exact mails previewed first), take a rejection back in the undo window."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData, ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import Response

from server import timezones
from server.applications import openings, records, rejection_view, rejections, search
from server.applications import reasons as rejection_reasons
from server.errors import DomainError, ErrorCode
from server.models import ApplicationStatus, MailStatus, RejectionReason
from server.network import tags
from server.principal import Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

PAGE_SIZE = 50
STATUS_KEYS = {
    ApplicationStatus.APPLIED: "console.applications.status_applied",
    ApplicationStatus.IN_REVIEW: "console.applications.status_in_review",
    ApplicationStatus.OFFERED: "console.applications.status_offered",
    ApplicationStatus.HIRED: "console.applications.status_hired",
    ApplicationStatus.REJECTED: "console.applications.status_rejected",
    ApplicationStatus.DECLINED: "console.applications.status_declined",
}
# What "set status" offers (rejecting has its own form).
MOVES = [s for s in ApplicationStatus if s != ApplicationStatus.REJECTED]
MAIL_KEYS = {
    MailStatus.PENDING: "console.applications.mail_pending",
    MailStatus.SENDING: "console.applications.mail_sending",
    MailStatus.SENT: "console.applications.mail_sent",
    MailStatus.FAILED: "console.applications.mail_failed",
    MailStatus.SUPPRESSED: "console.applications.mail_suppressed",
    MailStatus.CANCELLED: "console.applications.mail_cancelled",
}
OUTCOME_KEYS = {
    rejection_view.Outcome.MAIL: "console.applications.outcome_mail",
    rejection_view.Outcome.NO_MAIL: "console.applications.outcome_no_mail",
    rejection_view.Outcome.HOLDS_OFFER: "console.applications.outcome_holds_offer",
    rejection_view.Outcome.MAILED_TODAY: "console.applications.outcome_mailed_today",
    rejection_view.Outcome.ALREADY_REJECTED: "console.applications.outcome_already_rejected",
    rejection_view.Outcome.HIRED: "console.applications.outcome_hired",
}
UNCHANGED = (rejection_view.Outcome.HIRED, rejection_view.Outcome.ALREADY_REJECTED)
LABELS = {"status": STATUS_KEYS, "mail": MAIL_KEYS, "outcome": OUTCOME_KEYS}
DECISION_FIELDS = ("reason", "note", "evaluation", "silver_medalist", "send_mail", "send_at")

Values = FormData | ImmutableMultiDict


def _value(values: Values, name: str, limit: int = 2000) -> str:
    value = values.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def _filters(values: Values) -> search.Filters:
    status = _value(values, "status")
    return search.Filters(
        text=_value(values, "q", search.MAX_TEXT),
        tag=_value(values, "tag", search.MAX_TEXT),
        status=ApplicationStatus(status) if status in ApplicationStatus.__members__ else None,
        opening_id=_int(_value(values, "opening")),
        applied_from=_date(_value(values, "from")),
        applied_to=_date(_value(values, "to")),
    )


def _ids(values: Values) -> list[int]:
    found = (_int(v) for v in values.getlist("ids") if isinstance(v, str))
    return list(dict.fromkeys(i for i in found if i is not None))[: rejections.MAX_BULK]


@page("/app/applications")
async def list_page(request: Request, principal: Principal) -> Response:
    query = request.query_params
    filters = _filters(query)
    number = max(_int(_value(query, "page")) or 1, 1)
    rows, total = await search.page(
        principal, filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    kept = {k: v for k, v in query.items() if k in ("q", "tag", "status", "opening", "from", "to")}
    return await view.render(
        request,
        principal,
        "console/applications.html",
        {
            "rows": rows,
            "total": total,
            "page": number,
            "first_row": (number - 1) * PAGE_SIZE + 1,
            "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE,
            "query": kept,
            "page_url": lambda n: "/app/applications?" + urlencode({**kept, "page": n}),
            "openings": await openings.scoped(principal).order_by("-id"),
            "reasons": await _reasons(principal),
            "labels": LABELS,
            "statuses": list(ApplicationStatus),
        },
        page_path="/app/applications",
    )


async def _reasons(principal: Principal) -> list[RejectionReason]:
    await rejection_reasons.ensure_defaults(principal.require_company())
    return await rejection_reasons.scoped(principal).filter(active=True).order_by("id")


async def _detail(
    request: Request,
    principal: Principal,
    application_id: int,
    *,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    application = await records.get(principal, application_id)
    await application.fetch_related("applicant", "opening")
    reason = None
    if application.rejection_reason_id is not None:
        reason = await rejection_reasons.get(principal, application.rejection_reason_id)
    applicant_tags = await tags.by_ids(application.applicant.tag_ids)
    return await view.render(
        request,
        principal,
        "console/application.html",
        {
            "application": application,
            "applicant": application.applicant,
            "opening": application.opening,
            "tags": [
                applicant_tags[i] for i in application.applicant.tag_ids if i in applicant_tags
            ],
            "events": await records.history(principal, application_id),
            "reason": reason,
            "rejection": await rejection_view.done(principal, application),
            "reasons": await _reasons(principal),
            "labels": LABELS,
            "moves": MOVES,
            "errors": errors or pages.Errors(),
        },
        status_code=status_code,
        page_path=f"/app/applications/{application_id}",
    )


@page("/app/applications/{application_id:int}")
async def detail_page(request: Request, principal: Principal) -> Response:
    return await _detail(request, principal, request.path_params["application_id"])


async def _shown_error(
    request: Request, principal: Principal, application_id: int, error: DomainError
) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    errors = pages.errors_from(request, error, set())
    return await _detail(request, principal, application_id, errors=errors, status_code=422)


@action("/app/applications/{application_id:int}/status", "setApplicationStatus")
async def set_status(request: Request, principal: Principal, form: FormData) -> Response:
    application_id = request.path_params["application_id"]
    wanted = _value(form, "status")
    try:
        if wanted not in MOVES:
            raise DomainError(ErrorCode.INVALID, "choose a status", ["status"])
        await records.set_status(principal, application_id, ApplicationStatus(wanted))
    except DomainError as error:
        return await _shown_error(request, principal, application_id, error)
    return done(f"/app/applications/{application_id}", "console.ok.applications_status_set")


@action("/app/applications/{application_id:int}/undo", "unrejectApplication")
async def undo(request: Request, principal: Principal, form: FormData) -> Response:
    application_id = request.path_params["application_id"]
    try:
        await rejections.unreject(principal, application_id)
    except DomainError as error:
        return await _shown_error(request, principal, application_id, error)
    return done(f"/app/applications/{application_id}", "console.ok.applications_undone")


# Rejecting: the form (GET) shows the exact mails; its confirm button posts the same decision.


def _send_at(text: str) -> datetime | None:
    """A ``datetime-local`` value, read as Japan time."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=timezones.JAPAN) if text else None
    except ValueError as exc:
        raise DomainError(ErrorCode.INVALID, "send_at is not a date and time", ["send_at"]) from exc


def _decision(values: Values) -> dict[str, Any]:
    """The keywords of ``rejections.decide`` from the reject form."""
    reason, note = _value(values, "reason", 64), _value(values, "note")
    evaluation = _int(_value(values, "evaluation"))
    return {
        # A note goes with "other" (the core keeps text that names no reason as the note).
        "reason": note if reason == rejection_reasons.DEFAULT_CODE and note else reason,
        "evaluation": evaluation,
        "silver_medalist": _value(values, "silver_medalist") == "1",
        "send_mail": _value(values, "send_mail") == "1",
        "send_at": _send_at(_value(values, "send_at", 32)),
    }


def _echo(values: Values) -> dict[str, str]:
    """The decision's fields as the form sent them (hidden in the confirm form)."""
    return {name: _value(values, name) for name in DECISION_FIELDS if _value(values, name)}


async def _preview(
    request: Request, principal: Principal, ids: list[int], *, back: str, confirm: str
) -> Response:
    query = request.query_params
    decision = _decision(query)
    previews = await rejection_view.preview(principal, ids, **decision)
    reason, note = await rejection_reasons.find(principal.require_company(), decision["reason"])
    changing = [p for p in previews if p.outcome not in UNCHANGED]
    return await view.render(
        request,
        principal,
        "console/application_reject.html",
        {
            "previews": previews,
            "decision": decision,
            "reason": reason,
            "note": note,
            "echo": _echo(query),
            "ids": [p.application.id for p in changing],
            "rejectable": changing,
            "back": back,
            "confirm": confirm,
            "labels": LABELS,
            "placeholder": rejection_view.LINK_PLACEHOLDER,
            "has_links": any(
                rejection_view.LINK_PLACEHOLDER in p.mail.text for p in previews if p.mail
            ),
        },
        page_path=request.url.path,
    )


@page("/app/applications/{application_id:int}/reject")
async def reject_preview(request: Request, principal: Principal) -> Response:
    application_id = request.path_params["application_id"]
    path = f"/app/applications/{application_id}"
    try:
        return await _preview(
            request, principal, [application_id], back=path, confirm=f"{path}/reject"
        )
    except DomainError as error:
        return await _shown_error(request, principal, application_id, error)


@action("/app/applications/{application_id:int}/reject", "rejectApplication")
async def reject(request: Request, principal: Principal, form: FormData) -> Response:
    application_id = request.path_params["application_id"]
    try:
        await rejections.reject(
            principal, application_id, redis=request.app.state.redis, **_decision(form)
        )
    except DomainError as error:
        return await _shown_error(request, principal, application_id, error)
    return done(f"/app/applications/{application_id}", "console.ok.applications_rejected")


@page("/app/applications/reject")
async def bulk_preview(request: Request, principal: Principal) -> Response:
    ids = _ids(request.query_params)
    if not ids:
        return done("/app/applications", "console.ok.applications_none_selected")
    try:
        return await _preview(
            request, principal, ids, back="/app/applications", confirm="/app/applications/reject"
        )
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        return await _list_error(request, principal, error)


async def _list_error(request: Request, principal: Principal, error: DomainError) -> Response:
    errors = pages.errors_from(request, error, set())
    return await view.render(
        request,
        principal,
        "console/applications_error.html",
        {"errors": errors, "back": "/app/applications"},
        status_code=422,
        page_path="/app/applications",
    )


@action("/app/applications/reject", "rejectApplications")
async def bulk_reject(request: Request, principal: Principal, form: FormData) -> Response:
    ids = _ids(form)
    if not ids:
        return done("/app/applications", "console.ok.applications_none_selected")
    try:
        await rejections.reject_many(
            principal, ids, redis=request.app.state.redis, **_decision(form)
        )
    except DomainError as error:
        if (response := refused(request, error)) is not None:
            return response
        return await _list_error(request, principal, error)
    return done("/app/applications", "console.ok.applications_bulk_rejected")
