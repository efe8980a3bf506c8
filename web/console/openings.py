"""``/app/openings``: the company's openings (filters: status, text, tag), one opening with
its applications by status and matches, close and reopen (the form: opening_form.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from server.applications import opening_search, openings
from server.errors import DomainError
from server.models import ApplicationStatus, OpeningStatus
from server.network import matching, tags
from server.principal import Permission, Principal
from web import pages
from web.console import view
from web.console.routing import action, done, page

STATUS_LABELS = {
    OpeningStatus.OPEN.value: "console.openings.status.OPEN",
    OpeningStatus.CLOSED.value: "console.openings.status.CLOSED",
}
APPLICATION_LABELS = {
    ApplicationStatus.APPLIED.value: "console.openings.applications.APPLIED",
    ApplicationStatus.IN_REVIEW.value: "console.openings.applications.IN_REVIEW",
    ApplicationStatus.OFFERED.value: "console.openings.applications.OFFERED",
    ApplicationStatus.HIRED.value: "console.openings.applications.HIRED",
    ApplicationStatus.REJECTED.value: "console.openings.applications.REJECTED",
    ApplicationStatus.DECLINED.value: "console.openings.applications.DECLINED",
}
CATEGORY_LABELS = {
    "SKILL": "console.openings.category.SKILL",
    "JOB_TYPE": "console.openings.category.JOB_TYPE",
    "LOCATION": "console.openings.category.LOCATION",
    "CONDITION": "console.openings.category.CONDITION",
}


def _filters(request: Request) -> tuple[opening_search.Filters, int]:
    query = request.query_params
    status = query.get("status", "")
    page_number = query.get("page", "1")
    return (
        opening_search.Filters(
            status=OpeningStatus(status) if status in STATUS_LABELS else None,
            text=query.get("q", "")[: opening_search.MAX_TEXT * 2],
            tag=query.get("tag", "")[: tags.MAX_TAG_LENGTH * 2],
        ),
        int(page_number) if page_number.isdigit() and len(page_number) < 6 else 1,
    )


def _page_link(filters: opening_search.Filters, number: int) -> str:
    query = {
        "status": filters.status.value if filters.status else "",
        "q": filters.text,
        "tag": filters.tag,
        "page": str(number),
    }
    return "/app/openings?" + urlencode({k: v for k, v in query.items() if v})


@page("/app/openings")
async def list_page(request: Request, principal: Principal) -> Response:
    filters, number = _filters(request)
    errors = pages.Errors()
    try:
        found = await opening_search.search(principal, filters, number)
    except DomainError as error:
        errors = pages.errors_from(request, error, {"q", "tag"})
        found = opening_search.Found([], 0, None)
    ids = [o.id for o in found.openings]
    counts = await opening_search.application_counts(principal, ids)
    shown = await tags.by_ids(t for o in found.openings for t in o.tag_ids)
    pages_total = max(1, -(-found.total // opening_search.PAGE_SIZE))
    return await view.render(
        request,
        principal,
        "console/openings.html",
        {
            "openings": found.openings,
            "total": found.total,
            "counts": {i: sum(c.values()) for i, c in counts.items()},
            "tags": shown,
            "filters": filters,
            "errors": errors,
            "statuses": STATUS_LABELS,
            "page_number": number,
            "previous": _page_link(filters, number - 1) if number > 1 else "",
            "next": _page_link(filters, number + 1) if number < pages_total else "",
        },
        page_path="/app/openings",
    )


def _grouped(request: Request, rows: list[tags.TagRow]) -> list[tuple[str, list[str]]]:
    """Labels in the reader's language, by category (in CATEGORY_LABELS' order)."""
    english = pages.lang(request) == "en"
    grouped: dict[str, list[str]] = {category: [] for category in CATEGORY_LABELS}
    for row in rows:
        label = (row.label_en if english else row.label_ja) or row.label_ja
        grouped[row.category.value].append(label)
    return [(category, labels) for category, labels in grouped.items() if labels]


@page("/app/openings/{opening_id:int}")
async def detail_page(request: Request, principal: Principal) -> Response:
    opening = await openings.get(principal, request.path_params["opening_id"])
    counts = (await opening_search.application_counts(principal, [opening.id]))[opening.id]
    shown = await tags.by_ids(opening.tag_ids)
    return await view.render(
        request,
        principal,
        "console/opening.html",
        {
            "opening": opening,
            "counts": [
                (s, APPLICATION_LABELS[s], counts.get(ApplicationStatus(s), 0))
                for s in APPLICATION_LABELS
            ],
            "applications": sum(counts.values()),
            "matches": await matching.count(principal, opening.id),
            "tags": _grouped(request, [shown[i] for i in opening.tag_ids if i in shown]),
            "statuses": STATUS_LABELS,
            "categories": CATEGORY_LABELS,
        },
        page_path=f"/app/openings/{opening.id}",
    )


@action("/app/openings/{opening_id:int}/close", "closeOpening", Permission.WRITE)
async def close(request: Request, principal: Principal, form: FormData) -> Response:
    opening = await openings.set_status(
        principal,
        request.path_params["opening_id"],
        OpeningStatus.CLOSED,
        redis=request.app.state.redis,
    )
    return done(f"/app/openings/{opening.id}", "console.ok.opening_closed")


@action("/app/openings/{opening_id:int}/reopen", "reopenOpening", Permission.WRITE)
async def reopen(request: Request, principal: Principal, form: FormData) -> Response:
    opening = await openings.set_status(
        principal,
        request.path_params["opening_id"],
        OpeningStatus.OPEN,
        redis=request.app.state.redis,
    )
    return done(f"/app/openings/{opening.id}", "console.ok.opening_reopened")
