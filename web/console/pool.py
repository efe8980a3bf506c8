"""The talent pool (``/app/pool``): the company's own rejects who agreed to follow-ups, with
the API's filters and the best open opening for each; a person's page with the members' notes,
a short timeline (notes, mails, status changes) and re-approach (send one open opening)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from server.applications import openings
from server.errors import DomainError, ErrorCode, NotFound
from server.network import tags
from server.pool import notes, reapproach, talent_pool, timeline
from server.principal import Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page, refused

PAGE_SIZE = 20
TAGS_SHOWN = 8
# A refused re-approach: (code, field) -> the message shown next to the form.
SEND_ERRORS = {
    (ErrorCode.WRONG_STATE, "openingId"): "console.pool.error_closed",
    (ErrorCode.ALREADY_EXISTS, "openingId"): "console.pool.error_already_sent",
    (ErrorCode.INVALID, "openingId"): "console.pool.error_applied",
    (ErrorCode.WRONG_STATE, None): "console.pool.error_unreachable",
}


def _now() -> datetime:
    return datetime.now(UTC)


def when(value: datetime) -> str:
    """Date and time as read in Japan."""
    return value.astimezone(pages.DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=pages.DISPLAY_ZONE).astimezone(UTC)


@dataclass
class Query:
    """The list page's filters as typed (kept in the form) and as the core takes them."""

    values: dict[str, str]
    filters: talent_pool.Filters
    errors: pages.Errors
    after: int | None


def _int(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def parse(params: QueryParams) -> Query:
    names = ("tag", "opening", "evaluation", "silver", "rejected_from", "rejected_to")
    values = {k: params.get(k, "").strip()[:100] for k in names}
    errors = pages.Errors()
    days = {}
    for name in ("rejected_from", "rejected_to"):
        if values[name]:
            days[name] = _day(values[name])
            if days[name] is None:
                errors.fields[name] = ""
    silver = {"1": True, "0": False}.get(values["silver"])
    filters = talent_pool.Filters(
        tag=values["tag"] or None,
        opening_id=_int(values["opening"], 1, 2**63 - 1),
        evaluation_min=_int(values["evaluation"], 1, 5),
        silver_medalist=silver,
        rejected_after=_start(days["rejected_from"]) if days.get("rejected_from") else None,
        rejected_before=_start(days["rejected_to"] + timedelta(days=1))
        if days.get("rejected_to")
        else None,
    )
    return Query(values, filters, errors, _int(params.get("after", ""), 1, 2**63 - 1))


def _labels(request: Request, found: dict[int, tags.TagRow], ids: list[int]) -> list[str]:
    english = pages.lang(request) == "en"
    return [found[i].label_en if english else found[i].label_ja for i in ids if i in found]


@page("/app/pool")
async def pool_page(request: Request, principal: Principal) -> Response:
    query = parse(request.query_params)
    for name in query.errors.fields:
        query.errors.fields[name] = pages.t(request)("console.pool.error_date")
    entries, total = await talent_pool.entries(
        principal, _now(), query.filters, after=query.after, limit=PAGE_SIZE + 1
    )
    shown = entries[:PAGE_SIZE]
    found = await tags.by_ids({t for e in shown for t in e.tag_ids[:TAGS_SHOWN]})
    later = ""
    if len(entries) > PAGE_SIZE:
        later = urlencode({**query.values, "after": shown[-1].candidate_id})
    return await view.render(
        request,
        principal,
        "console/pool.html",
        {
            "rows": [(e, _labels(request, found, e.tag_ids[:TAGS_SHOWN])) for e in shown],
            "total": total,
            "query": query.values,
            "errors": query.errors,
            "openings": await openings.scoped(principal).order_by("-opened_at", "-id"),
            "later": later,
            "first_page": query.after is None,
        },
        page_path="/app/pool",
    )


async def _person_page(
    request: Request,
    principal: Principal,
    candidate_id: int,
    *,
    form: dict | None = None,
    errors: pages.Errors | None = None,
    status_code: int = 200,
) -> Response:
    now = _now()
    entry = await talent_pool.get(principal, candidate_id, now)
    if entry is None:
        raise NotFound("pool entry")
    events = await timeline.events(principal, candidate_id, now)
    found = await tags.by_ids(entry.tag_ids)
    next_send = await reapproach.send_at(principal, candidate_id, now)
    held = [e for e in events if e.kind == "mail" and e.code == "PENDING" and e.at > now]
    return await view.render(
        request,
        principal,
        "console/pool_person.html",
        {
            "entry": entry,
            "labels": _labels(request, found, entry.tag_ids),
            "events": events,
            "choices": await reapproach.choices(principal, candidate_id, now),
            "next_send": when(next_send) if next_send > now else "",
            "held": [(e, when(e.at)) for e in held],
            "when": when,
            "form": form or {"note": "", "opening_id": ""},
            "errors": errors or pages.Errors(),
            "max_body": notes.MAX_BODY,
        },
        status_code=status_code,
        page_path=f"/app/pool/{candidate_id}",
    )


@page("/app/pool/{candidate_id:int}")
async def person_page(request: Request, principal: Principal) -> Response:
    return await _person_page(request, principal, request.path_params["candidate_id"])


def _path(request: Request) -> str:
    return f"/app/pool/{request.path_params['candidate_id']}"


async def _refused(
    request: Request, principal: Principal, error: DomainError, form: dict, errors: pages.Errors
) -> Response:
    if (response := refused(request, error)) is not None:
        return response
    return await _person_page(
        request,
        principal,
        request.path_params["candidate_id"],
        form=form,
        errors=errors,
        status_code=422,
    )


@action("/app/pool/{candidate_id:int}/notes", "addPoolNote")
async def add_note(request: Request, principal: Principal, form: FormData) -> Response:
    body = pages.text(form, "note")
    try:
        await notes.add(principal, request.path_params["candidate_id"], body, _now())
    except DomainError as error:
        errors = pages.errors_from(request, error, {"body"})
        if "body" in errors.fields:
            errors.fields = {"note": errors.fields["body"]}
        return await _refused(request, principal, error, {"note": body, "opening_id": ""}, errors)
    return done(_path(request), "console.ok.pool_note_added")


@action("/app/pool/{candidate_id:int}/notes/{note_id:int}/delete", "deletePoolNote")
async def delete_note(request: Request, principal: Principal, form: FormData) -> Response:
    note = await notes.get(principal, request.path_params["note_id"], _now())
    if note.candidate_id != request.path_params["candidate_id"]:
        raise NotFound("note")
    await notes.delete(principal, note.id, _now())
    return done(_path(request), "console.ok.pool_note_deleted")


def _send_errors(request: Request, error: DomainError) -> pages.Errors:
    item = error.errors[0]
    field = item.field[-1] if item.field else None
    key = SEND_ERRORS.get((item.code, field))
    if key is None:
        return pages.errors_from(request, error, set())
    return pages.Errors(fields={"opening_id": pages.t(request)(key)})


@action("/app/pool/{candidate_id:int}/send", "sendPoolOpening")
async def send_opening(request: Request, principal: Principal, form: FormData) -> Response:
    chosen = pages.text(form, "opening_id")
    values = {"note": "", "opening_id": chosen}
    opening_id = _int(chosen, 1, 2**63 - 1)
    if opening_id is None:
        errors = pages.Errors(fields={"opening_id": pages.t(request)("console.pool.error_choose")})
        return await _person_page(
            request,
            principal,
            request.path_params["candidate_id"],
            form=values,
            errors=errors,
            status_code=422,
        )
    try:
        sent = await reapproach.send_opening(
            principal,
            request.path_params["candidate_id"],
            opening_id,
            _now(),
            request.app.state.redis,
        )
    except DomainError as error:
        return await _refused(request, principal, error, values, _send_errors(request, error))
    if sent.held:
        return done(_path(request), "console.ok.pool_opening_held")
    return done(_path(request), "console.ok.pool_opening_sent")
