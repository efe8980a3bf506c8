"""The company's openings as HR staff look for them (status, text, tag) and what each has
drawn: applications by status, matches."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.functions import Count

from server.applications.openings import scoped
from server.errors import DomainError, ErrorCode
from server.models import Application, ApplicationStatus, Opening, OpeningStatus
from server.network import tags
from server.principal import Principal
from server.text import normalize

PAGE_SIZE = 50
MAX_TEXT = 200


@dataclass(frozen=True)
class Filters:
    status: OpeningStatus | None = None
    text: str = ""  # in the title or the description
    tag: str = ""  # free text, read as a tag (NFKC, synonyms)


@dataclass(frozen=True)
class Found:
    openings: list[Opening]
    total: int
    # The tag the ``tag`` text names (None: it names none, so nothing is found).
    tag_ids: list[int] | None


async def search(principal: Principal, filters: Filters, page: int = 1) -> Found:
    """One page of the caller's openings matching every filter: open ones first, newest
    first within each.

    Raises:
        DomainError: TOO_LONG for a text over MAX_TEXT characters (or a tag over the tag
            limit).
    """
    text = normalize(filters.text)
    if len(text) > MAX_TEXT:
        raise DomainError(ErrorCode.TOO_LONG, f"at most {MAX_TEXT} characters", ["q"])
    query = scoped(principal)
    if filters.status is not None:
        query = query.filter(status=filters.status)
    if text:
        query = query.filter(Q(title__icontains=text) | Q(description__icontains=text))
    tag_ids = None
    if normalize(filters.tag):
        tag_ids = [t.id for t in await tags.resolve([filters.tag], create=False)]
        if not tag_ids:
            return Found([], 0, [])
        query = query.filter(tag_ids__overlap=tag_ids)
    page = max(page, 1)
    rows = await query.order_by("-status", "-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return Found(rows, await query.count(), tag_ids)


async def application_counts(
    principal: Principal, opening_ids: list[int]
) -> dict[int, dict[ApplicationStatus, int]]:
    """Of each of the caller's openings, its applications by status (statuses with none are
    left out)."""
    rows = (
        await Application.filter(company_id=principal.require_company(), opening_id__in=opening_ids)
        .annotate(n=Count("id"))
        .group_by("opening_id", "status")
        .values("opening_id", "status", "n")
    )
    counts: dict[int, dict[ApplicationStatus, int]] = {i: {} for i in opening_ids}
    for row in rows:
        counts[row["opening_id"]][ApplicationStatus(row["status"])] = row["n"]
    return counts
