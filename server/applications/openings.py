"""A company's openings (job postings): create, update, close, reopen."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import audit, idempotency, rows
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import Opening, OpeningStatus
from server.network import matching, tags
from server.pool import followups
from server.principal import Permission, Principal
from server.text import normalize

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_TAGS = 100


def scoped(principal: Principal):
    """The caller's openings only."""
    return Opening.filter(company_id=principal.require_company())


def _scope(principal: Principal, status: OpeningStatus | None) -> dict:
    scope: dict = {"company_id": principal.require_company()}
    if status is not None:
        scope["status"] = status.value
    return scope


async def page(
    principal: Principal, status: OpeningStatus | None, after: int | None, limit: int
) -> list[Opening]:
    """A page of the caller's openings (in ``status``, if given) by id, after ``after``."""
    return await rows.page(Opening, _scope(principal, status), after, limit)


async def count(principal: Principal, status: OpeningStatus | None) -> int:
    """How many openings the caller has (in ``status``, if given)."""
    return await rows.count(Opening, _scope(principal, status))


async def by_ids(principal: Principal, ids: Sequence[int]) -> list[Opening]:
    """The caller's openings with these ids (a page's loader), in no order."""
    return await rows.by_ids(Opening, ids, principal.require_company())


async def get(principal: Principal, opening_id: int, field: str = "openingId") -> Opening:
    opening = await scoped(principal).get_or_none(id=opening_id)
    if opening is None:
        raise NotFound("opening", [field])
    return opening


def _validate(title: str | None, description: str | None, tag_texts: list[str] | None) -> None:
    errors = []
    if title is not None:
        if not title:
            errors.append(FieldError(ErrorCode.REQUIRED, "title is required", ["title"]))
        elif len(title) > MAX_TITLE:
            errors.append(
                FieldError(
                    ErrorCode.TOO_LONG, f"title is at most {MAX_TITLE} characters", ["title"]
                )
            )
    if description is not None and len(description) > MAX_DESCRIPTION:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG,
                f"description is at most {MAX_DESCRIPTION} characters",
                ["description"],
            )
        )
    if tag_texts is not None and len(tag_texts) > MAX_TAGS:
        errors.append(FieldError(ErrorCode.TOO_LONG, f"at most {MAX_TAGS} tags", ["tags"]))
    if errors:
        raise DomainError.many(errors)


async def _tag_ids(tag_texts: list[str]) -> list[int]:
    """Tags of the typed texts, as a person's form items are read (「Python・SQL」: two)."""
    try:
        return [t.id for t in await tags.resolve_typed(tag_texts, None)]
    except DomainError as error:
        for e in error.errors:
            e.field = ["tags"]
        raise


async def create(
    principal: Principal,
    title: str,
    description: str = "",
    tag_texts: list[str] | None = None,
    *,
    remote_ok: bool = True,
    idempotency_key: str | None = None,
    redis: ArqRedis | None = None,
) -> Opening:
    """Creates an open opening; a retry with the same idempotency key returns the first."""
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    title, description = normalize(title), description.strip()
    tag_texts = tag_texts or []
    _validate(title, description, tag_texts)
    request = {"title": title, "description": description, "tags": tag_texts, "remote": remote_ok}

    async def work() -> dict:
        opening = await Opening.create(
            company_id=company_id,
            title=title,
            description=description,
            tag_ids=await _tag_ids(tag_texts),
            remote_ok=remote_ok,
        )
        await audit.record(principal, "opening.create", "Opening", opening.id)
        return {"id": opening.id}

    result = await idempotency.once(principal, "createOpening", idempotency_key, request, work)
    await matching.enqueue_opening(redis, result["id"])
    opening = await Opening.get(id=result["id"])
    await followups.opening_opened(redis, opening)  # talent-pool alerts (job is idempotent)
    return opening


async def update(
    principal: Principal,
    opening_id: int,
    *,
    title: str | None = None,
    description: str | None = None,
    tag_texts: list[str] | None = None,
    remote_ok: bool | None = None,
    redis: ArqRedis | None = None,
) -> Opening:
    """Changes the given fields only."""
    principal.require(Permission.WRITE)
    title = normalize(title) if title is not None else None
    _validate(title, description, tag_texts)
    async with in_transaction("default"):
        opening = await get(principal, opening_id)
        if title is not None:
            opening.title = title
        if description is not None:
            opening.description = description.strip()
        if tag_texts is not None:
            opening.tag_ids = await _tag_ids(tag_texts)
        if remote_ok is not None:
            opening.remote_ok = remote_ok
        await opening.save()
        await audit.record(principal, "opening.update", "Opening", opening.id)
    if tag_texts is not None or remote_ok is not None:
        await matching.enqueue_opening(redis, opening.id)
    return opening


async def set_status(
    principal: Principal,
    opening_id: int,
    status: OpeningStatus,
    redis: ArqRedis | None = None,
) -> Opening:
    """Closes or reopens (its matches are rebuilt, or dropped); doing it twice is harmless."""
    principal.require(Permission.WRITE)
    reopened = False
    async with in_transaction("default"):
        opening = await scoped(principal).select_for_update().get_or_none(id=opening_id)
        if opening is None:
            raise NotFound("opening", ["openingId"])
        if opening.status != status:
            now = datetime.now(UTC)
            opening.status = status
            if status == OpeningStatus.CLOSED:
                opening.closed_at = now
            else:
                opening.opened_at, opening.closed_at = now, None
            await opening.save(update_fields=["status", "closed_at", "opened_at"])
            action = "opening.close" if status == OpeningStatus.CLOSED else "opening.reopen"
            await audit.record(principal, action, "Opening", opening.id)
            reopened = status == OpeningStatus.OPEN
    await matching.enqueue_opening(redis, opening.id)
    if reopened:
        await followups.opening_opened(redis, opening)
    return opening
