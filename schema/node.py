"""``node(id:)``: global IDs resolved through the core's company-scoped lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from strawberry import relay

from schema.context import Info
from schema.errors import PublicError

# type name -> async (info, pk) -> node or None; filled by each domain's types module.
RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Any]]] = {}
# Primary keys are PostgreSQL bigints: anything larger is no ID (and would not bind).
MAX_PK = 2**63 - 1


def register(type_name: str):
    def decorator(func: Callable[[Info, int], Awaitable[Any]]):
        RESOLVERS[type_name] = func
        return func

    return decorator


def decode(global_id: str, expected: str | None = None) -> tuple[str, int]:
    """Type name and primary key of a global ID.

    Raises:
        PublicError: INVALID_ID when it is not a global ID (of the expected type).
    """
    try:
        gid = relay.GlobalID.from_id(global_id)
        pk = int(gid.node_id)
        if abs(pk) > MAX_PK:
            raise ValueError(pk)
    except (ValueError, TypeError) as exc:
        raise PublicError(f"{global_id!r} is not a valid ID", "INVALID_ID") from exc
    if gid.type_name not in RESOLVERS or (expected and gid.type_name != expected):
        raise PublicError(
            f"{global_id!r} is not an ID of a {expected or 'known type'}", "INVALID_ID"
        )
    return gid.type_name, pk


async def resolve(info: Info, global_id: str) -> Any:
    type_name, pk = decode(global_id)
    return await RESOLVERS[type_name](info, pk)
