"""The two comparison servers of ``bench/api.py``, each run by uvicorn like the real one.

``floor``: bare Starlette answering a POST with fixed JSON — what a request costs at least.
``reference``: the mix's pages as plain SQL over an asyncpg pool behind bare Starlette
(``RELAY_BENCH_REFERENCE_DSN``): what the same reads cost without GraphQL, ORM, auth or limits.
"""

from __future__ import annotations

import contextlib
import json
import os

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

FIXED = b'{"data":{"__typename":"Query"}}'


async def fixed(request: Request) -> Response:
    await request.body()
    return Response(FIXED, media_type="application/json")


floor = Starlette(routes=[Route("/graphql", fixed, methods=["POST"])])

PAGE = 20
SQL = {
    "viewer": ("SELECT name, slug FROM company WHERE id = $1", None),
    "openings": (
        "SELECT id, title, tag_ids FROM opening WHERE company_id = $1 ORDER BY id LIMIT 21",
        "SELECT count(*) FROM opening WHERE company_id = $1",
    ),
    "applications": (
        "SELECT a.id, a.status, o.title, p.name FROM application a"
        " JOIN opening o ON o.id = a.opening_id JOIN applicant p ON p.id = a.applicant_id"
        " WHERE a.company_id = $1 ORDER BY a.id LIMIT 21",
        "SELECT count(*) FROM application WHERE company_id = $1",
    ),
    "matches": (
        "SELECT c.id, c.headline, c.tag_ids, om.score FROM opening_match om"
        " JOIN candidate c ON c.id = om.candidate_id WHERE om.opening_id = $2"
        " AND $1::bigint IS NOT NULL ORDER BY om.score DESC, om.candidate_id DESC LIMIT 21",
        None,
    ),
}


@contextlib.asynccontextmanager
async def _pool(app: Starlette):
    dsn = os.environ["RELAY_BENCH_REFERENCE_DSN"].replace("postgres://", "postgresql://", 1)
    app.state.pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
    yield
    await app.state.pool.close()


async def page(request: Request) -> Response:
    asked = json.loads(await request.body())
    sql, count_sql = SQL[asked["kind"]]
    args = [asked["company"]] + ([asked["opening"]] if asked["kind"] == "matches" else [])
    async with request.app.state.pool.acquire() as conn:
        rows = [dict(r) for r in await conn.fetch(sql, *args)]
        total = await conn.fetchval(count_sql, asked["company"]) if count_sql else None
    edges = [{"node": r} for r in rows[:PAGE]]
    return JSONResponse({"data": {asked["kind"]: {"edges": edges, "totalCount": total}}})


reference = Starlette(routes=[Route("/graphql", page, methods=["POST"])], lifespan=_pool)
