"""Relay cursor connections over core querysets (keyset pagination on the primary key)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import relay
from strawberry.relay.utils import from_base64, to_base64
from tortoise.queryset import QuerySet

from schema.errors import PublicError
from schema.node import MAX_PK

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
CURSOR_PREFIX = "cursor"

NodeType = TypeVar("NodeType")

FIRST_DESCRIPTION = f"Page size, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."
AFTER_DESCRIPTION = "Cursor from pageInfo.endCursor of the previous page."

First = Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


@strawberry.type(description="A page of a list, with the total count of the whole list.")
class Connection(relay.Connection[NodeType], Generic[NodeType]):
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="Number of items in the whole list (all pages).")
    async def total_count(self) -> int:
        return await self._count()


def check_first(first: int | None) -> int:
    """Validated page size."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise PublicError(f"first must be between 1 and {MAX_PAGE_SIZE}", "INVALID_PAGE_SIZE")
    return first


def parse_key(value: str) -> int:
    """A cursor's primary key (a bigint)."""
    key = int(value)
    if abs(key) > MAX_PK:  # a bigint key: larger would not bind
        raise ValueError(key)
    return key


def decode_cursor(
    after: str | None, parse: Callable[[str], Any] = parse_key, prefix: str = CURSOR_PREFIX
) -> Any:
    """The value of a cursor this list gave out (``parse`` reads it), None for no cursor."""
    if after is None:
        return None
    try:
        found, value = from_base64(after)
        if found != prefix:
            raise ValueError(found)
        return parse(value)
    except (ValueError, TypeError) as exc:
        raise PublicError("after is not a cursor from this list", "INVALID_CURSOR") from exc


def page(
    connection: type[Connection[Any]],
    items: Sequence[Any],
    first: int,
    cursor_of: Callable[[Any], Any],
    to_node: Callable[[Any], Any],
    count: Callable[[], Awaitable[int]],
    has_previous: bool,
    prefix: str = CURSOR_PREFIX,
) -> Connection[Any]:
    """Builds a connection from ``first + 1`` fetched items."""
    visible = list(items[:first])
    edges = [relay.Edge(cursor=to_base64(prefix, cursor_of(i)), node=to_node(i)) for i in visible]
    return connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(items) > first,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


async def paginate(
    connection: type[Connection[Any]],
    query: QuerySet,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], Any],
    *,
    newest_first: bool = False,
) -> Connection[Any]:
    """One page of ``query`` ordered by id; the query is already scoped by the core."""
    size = check_first(first)
    cursor = decode_cursor(after)
    counted = query
    if cursor is not None:
        query = query.filter(id__lt=cursor) if newest_first else query.filter(id__gt=cursor)
    items = await query.order_by("-id" if newest_first else "id").limit(size + 1)
    return page(connection, items, size, lambda i: i.id, to_node, counted.count, cursor is not None)


async def paginate_core(
    connection: type[Connection[Any]],
    fetch: Callable[[int | None, int], Awaitable[Sequence[Any]]],
    count: Callable[[], Awaitable[int]],
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], Any],
) -> Connection[Any]:
    """As ``paginate``, over a core function ``fetch(after_id, limit)`` that reads one page
    (scoped by the core, ordered by id) and ``count()`` for the whole list."""
    size = check_first(first)
    cursor = decode_cursor(after)
    items = await fetch(cursor, size + 1)
    return page(connection, items, size, lambda i: i.id, to_node, count, cursor is not None)
