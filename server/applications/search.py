"""Finding a company's applications: by the person's name or address, a tag, the status,
the opening and when they applied (always within the caller's company)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from server import rows, timezones
from server.applications import records
from server.models import Application, ApplicationStatus
from server.network import tags
from server.principal import Principal
from server.text import fold, normalize

MAX_TEXT = 200


@dataclass(frozen=True)
class Filters:
    """What to look for; empty values leave the list unfiltered."""

    text: str = ""  # part of the name or of the email address
    tag: str = ""  # a tag text (slug, label or synonym)
    status: ApplicationStatus | None = None
    opening_id: int | None = None
    applied_from: date | None = None  # Japan dates, both ends included
    applied_to: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), timezones.JAPAN)


async def query(principal: Principal, filters: Filters) -> QuerySet[Application]:
    """The caller's applications matching ``filters`` (unordered)."""
    found = records.scoped(principal)
    text = normalize(filters.text)[:MAX_TEXT]
    if text:
        found = found.filter(
            Q(applicant__name__icontains=text)
            | Q(applicant__email_normalized__icontains=fold(text))
        )
    if filters.tag.strip():
        resolved = await tags.resolve([filters.tag[:MAX_TEXT]], create=False)
        if not resolved:
            return found.filter(id__in=[])
        found = found.filter(applicant__tag_ids__contains=[resolved[0].id])
    if filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.opening_id is not None:
        found = found.filter(opening_id=filters.opening_id)
    if filters.applied_from is not None:
        found = found.filter(applied_at__gte=_day_start(filters.applied_from))
    if filters.applied_to is not None:
        found = found.filter(applied_at__lt=_day_start(filters.applied_to + timedelta(days=1)))
    return found


def _equal(principal: Principal, filters: Filters) -> dict | None:
    """The filters as column equalities (the caller's company first), or None when a filter
    needs more (text, tag, dates)."""
    if (
        normalize(filters.text)[:MAX_TEXT]
        or filters.tag.strip()
        or filters.applied_from is not None
        or filters.applied_to is not None
    ):
        return None
    equal: dict = {"company_id": principal.require_company()}
    if filters.status is not None:
        equal["status"] = filters.status.value
    if filters.opening_id is not None:
        equal["opening_id"] = filters.opening_id
    return equal


Fetch = Callable[[int | None, int], Awaitable[list[Application]]]


async def pages(
    principal: Principal, filters: Filters
) -> tuple[Fetch, Callable[[], Awaitable[int]]]:
    """The API's pages of the caller's matching applications: ``fetch(after_id, limit)``
    by id, and ``count()`` of them all; precompiled SQL when the filters are equalities."""
    equal = _equal(principal, filters)
    if equal is not None:
        return (
            lambda after, limit: rows.page(Application, equal, after, limit),
            lambda: rows.count(Application, equal),
        )
    found = await query(principal, filters)

    async def fetch(after: int | None, limit: int) -> list[Application]:
        page = found if after is None else found.filter(id__gt=after)
        return list(await page.order_by("id").limit(limit))

    return fetch, found.count


async def page(
    principal: Principal, filters: Filters, *, offset: int, limit: int
) -> tuple[list[Application], int]:
    """One page of the matches, newest application first (with applicant and opening
    loaded), and the total count."""
    found = await query(principal, filters)
    total = await found.count()
    rows = (
        await found.order_by("-applied_at", "-id")
        .offset(offset)
        .limit(limit)
        .prefetch_related("applicant", "opening")
    )
    return list(rows), total
