"""Model rows read by id in precompiled SQL, for the reads every page repeats.

Building a SELECT through Tortoise (queryset, filters, pypika) cost more CPU than running it:
about 15 % of `{ viewer { name } }` and of a page's nested loaders (bench/README.md). These
read the same columns (``SELECT *``) and build the same model instances Tortoise would; the
caller scopes them (``company_id``), as the core does everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from tortoise import connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_SQL: dict[tuple[type[Model], bool], str] = {}


def _sql(model: type[Model], scoped: bool) -> str:
    sql = _SQL.get((model, scoped))
    if sql is None:
        where = "company_id = $1 AND id = ANY($2::bigint[])" if scoped else "id = ANY($1::bigint[])"
        sql = _SQL[(model, scoped)] = f'SELECT * FROM "{model._meta.db_table}" WHERE {where}'
    return sql


async def by_ids(model: type[M], ids: Sequence[int], company_id: int | None = None) -> list[M]:
    """The rows of ``model`` with these ids (of ``company_id`` only, unless None), in no order."""
    values = [list(ids)] if company_id is None else [company_id, list(ids)]
    rows = await connections.get("default").execute_query_dict(
        _sql(model, company_id is not None), values
    )
    return [model._init_from_db(**row) for row in rows]
