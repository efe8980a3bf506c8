"""Model rows read by id in precompiled SQL, for the reads every page repeats.

Building a SELECT through Tortoise (queryset, filters, pypika) cost more CPU than running it:
about 15 % of `{ viewer { name } }` and of a page's nested loaders (bench/README.md). These
read the same columns (``SELECT *``) and build the same model instances Tortoise would; the
caller scopes them (``company_id``), as the core does everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

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


_PAGE_SQL: dict[tuple, str] = {}


def _where(keys: Sequence[str], after: bool, newest_first: bool) -> str:
    terms = [f'"{k}" = ${n}' for n, k in enumerate(keys, 1)]
    if after:
        terms.append(f"id {'<' if newest_first else '>'} ${len(keys) + 1}")
    return " AND ".join(terms) or "true"


async def page(
    model: type[M],
    equal: Mapping[str, Any],
    after: int | None,
    limit: int,
    *,
    newest_first: bool = False,
) -> list[M]:
    """Up to ``limit`` rows whose columns equal ``equal`` (the caller's scope first: its
    ``company_id``), ordered by id from after ``after``; the SQL is built once per shape."""
    shape = (model, tuple(equal), after is not None, newest_first)
    sql = _PAGE_SQL.get(shape)
    if sql is None:
        where = _where(list(equal), after is not None, newest_first)
        order = "DESC" if newest_first else "ASC"
        count = len(equal) + (after is not None) + 1
        table = model._meta.db_table
        sql = f'SELECT * FROM "{table}" WHERE {where} ORDER BY id {order} LIMIT ${count}'
        _PAGE_SQL[shape] = sql
    values = [*equal.values(), *([after] if after is not None else []), limit]
    rows = await connections.get("default").execute_query_dict(sql, values)
    return [model._init_from_db(**row) for row in rows]


async def count(model: type[Model], equal: Mapping[str, Any]) -> int:
    """How many rows have columns equal to ``equal``."""
    shape = (model, tuple(equal), "count")
    sql = _PAGE_SQL.get(shape)
    if sql is None:
        where = _where(list(equal), False, False)
        sql = _PAGE_SQL[shape] = f'SELECT count(*) AS n FROM "{model._meta.db_table}" WHERE {where}'
    rows = await connections.get("default").execute_query_dict(sql, list(equal.values()))
    return rows[0]["n"]
