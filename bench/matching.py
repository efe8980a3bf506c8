"""Matching benchmark: ``matches`` over a generated Zipf network of 100,000 and 1,000,000
candidates.

For each size, in one scratch database:

- the maintained match table: time to refresh the tag weights, to rebuild every opening's
  best 1,000 (a new or edited opening), a new opening end to end (createOpening over GraphQL
  → the real arq worker → its first ``matches`` page), and a candidate patch;
- ``matches`` through the real server: ``uvicorn`` with one worker process per core (auth,
  the cost bucket in Redis, Strawberry: everything a request goes through), loaded by
  ``wrk`` (C, about a tenth of a core) with ``--clients`` connections, each asking for the
  next opening's first page of 20 with its tags and checking the body; p50/p99 from wrk;
- the reference: the same page as one plain SQL query (server.network.matching's page query with
  the tags' slugs and labels) over asyncpg, same openings, 20 clients and one client;
- the alternative design: the page computed per request in SQL over the GIN index (score
  every candidate sharing a tag, exclusions, top 20), same clients.

    .venv/bin/python -m bench.matching [--sizes 100000 1000000] [--seconds 15]

Needs ``wrk`` (Debian package ``wrk``; ``make bench`` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

os.environ.setdefault(
    "RELAY_REDIS_URL", os.environ.get("RELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
)
os.environ["RELAY_QUEUE_NAME"] = f"relay:bench:{uuid.uuid4().hex[:8]}"
os.environ.setdefault("RELAY_ENV", "test")
os.environ.setdefault("RELAY_SECRET_KEY", secrets.token_urlsafe(48))  # test refuses the default
# The benchmark measures matching, not the per-key cost bucket (still spent per request).
os.environ.setdefault("RELAY_COST_BUCKET_SIZE", "1000000000")
os.environ.setdefault("RELAY_COST_REFILL_PER_SECOND", "1000000000")

import asyncpg
import httpx
from arq.worker import Worker
from strawberry.relay.utils import to_base64

from bench.common import Timer, save, scratch_database
from bench.network_gen import Network, generate
from relay.app import create_app
from relay.embedded import free_port
from server.config import get_settings
from server.network import matching, scoring
from server.network.eligibility import MATCHABLE_SQL
from server.queue import make_pool
from workers.settings import worker_settings

PAGE = 20

MATCHES = """
query Matches($openingId: ID!, $first: Int) {
  matches(openingId: $openingId, first: $first) {
    edges {
      cursor
      node {
        score
        matchedTags { slug labelJa }
        candidate { id headline experienceYears tags { slug labelJa } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
CREATE = """
mutation Create($input: CreateOpeningInput!) {
  createOpening(input: $input) { opening { id } userErrors { code } }
}
"""


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
        "requests": len(ordered),
    }


async def closed_loop(clients: int, requests: int, call) -> tuple[dict, float]:
    """``clients`` tasks calling ``call(i)`` back to back until ``requests`` are done."""
    samples: list[float] = []
    counter = iter(range(requests))

    async def client() -> None:
        for i in counter:
            start = time.perf_counter()
            await call(i)
            samples.append(time.perf_counter() - start)

    with Timer() as timer:
        await asyncio.gather(*(client() for _ in range(clients)))
    figures = percentiles(samples)
    figures["per_second"] = round(requests / timer.seconds)
    return figures, timer.seconds


async def openings_by_company(url: str) -> list[tuple[int, int]]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch("SELECT company_id, id FROM opening WHERE status = 'OPEN'")
    finally:
        await conn.close()
    return [(r["company_id"], r["id"]) for r in rows]


async def rebuild_all(targets: list[tuple[int, int]]) -> dict:
    seconds = []
    for _, opening_id in targets:
        with Timer() as timer:
            await matching.rebuild_opening(opening_id)
        seconds.append(timer.seconds)
    return {
        "openings": len(seconds),
        "rebuild_p50_ms": round(statistics.median(seconds) * 1000, 1),
        "rebuild_max_ms": round(max(seconds) * 1000, 1),
    }


async def new_opening_end_to_end(http: httpx.AsyncClient, network: Network, rounds: int) -> dict:
    """createOpening over GraphQL → worker (arq's default 0.5 s poll) → first page with rows."""
    worker = Worker(**worker_settings(cron_jobs=[], handle_signals=False))
    task = asyncio.create_task(worker.async_run())
    company = network.companies[0]
    headers = {"Authorization": f"Bearer {network.keys[company]}"}
    seconds = []
    try:
        await asyncio.sleep(1)
        for i in range(rounds):
            tags = ["Python", "AWS", "東京", "リモート可", ["Rust", "COBOL", "Excel"][i % 3]]
            variables = {"input": {"title": f"新規 {i}", "tags": tags, "remoteOk": i % 2 == 0}}
            start = time.perf_counter()
            body = (
                await http.post(
                    "/graphql", json={"query": CREATE, "variables": variables}, headers=headers
                )
            ).json()
            opening_id = body["data"]["createOpening"]["opening"]["id"]
            while True:
                page = await http.post(
                    "/graphql",
                    json={"query": MATCHES, "variables": {"openingId": opening_id, "first": 1}},
                    headers=headers,
                )
                if page.json()["data"]["matches"]["edges"]:
                    break
                await asyncio.sleep(0.01)
            seconds.append(time.perf_counter() - start)
    finally:
        task.cancel()
        await worker.close()
    return {
        "new_opening_p50_s": round(statistics.median(seconds), 2),
        "new_opening_max_s": round(max(seconds), 2),
        "new_opening_rounds": rounds,
    }


async def candidate_patches(url: str, count: int) -> dict:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch(
            "SELECT id FROM candidate WHERE sharing ORDER BY random() LIMIT $1", count
        )
        ids = [r["id"] for r in rows]
    finally:
        await conn.close()
    seconds = []
    for candidate_id in ids:
        with Timer() as timer:
            await matching.update_candidate(candidate_id)
        seconds.append(timer.seconds)
    return {
        "candidate_patch_p50_ms": round(statistics.median(seconds) * 1000, 1),
        "candidate_patch_max_ms": round(max(seconds) * 1000, 1),
    }


def gid(opening_id: int) -> str:
    return to_base64("Opening", opening_id)


# wrk's script: cycles through the (key, body) pairs from a different start per thread,
# counts responses that are not a 200 with a non-empty page, prints the figures as JSON.
WRK_LUA = """
local pairs_ = %s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; i = math.random(#pairs_) end
function request()
  i = i %% #pairs_ + 1
  local p = pairs_[i]
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. p[1]}, p[2])
end
function response(status, headers, body)
  if status ~= 200 or not body:find('"edges":[{', 1, true) or body:find('"errors"', 1, true) then
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local b = 0
  for _, t in ipairs(threads) do b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format('{"p50_ms":%%.2f,"p99_ms":%%.2f,"mean_ms":%%.2f,"max_ms":%%.2f,' ..
    '"requests":%%d,"per_second":%%d,"bad":%%d,"socket_errors":%%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000,
    latency.max / 1000, summary.requests, summary.requests / (summary.duration / 1e6), b,
    e.connect + e.read + e.write + e.timeout))
end
"""


def wrk_script(network: Network, targets, document: str) -> str:
    pairs = [
        [
            network.keys[company],
            json.dumps(
                {"query": document, "variables": {"openingId": gid(opening), "first": PAGE}}
            ),
        ]
        for company, opening in targets
    ]
    table = "{" + ",".join(f"{{{json.dumps(k)},{json.dumps(b)}}}" for k, b in pairs) + "}"
    return WRK_LUA % table


def wrk(url: str, script: str, clients: int, seconds: int) -> dict:
    """Closed-loop load: ``clients`` connections, each sending its next request when the
    previous answer arrived."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        threads = max(1, min(2, clients))
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "-s", lua.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["bad"] == 0 and figures["socket_errors"] == 0, figures
    return figures


@contextlib.contextmanager
def served(database_url: str, workers: int):
    """The real server, as deployed: uvicorn with ``workers`` processes, production settings."""
    port = free_port()
    env = os.environ | {
        "RELAY_ENV": "production",
        "RELAY_DATABASE_URL": database_url,
        "RELAY_SECRET_KEY": secrets.token_hex(32),
        "RELAY_OPERATOR_NAME": "bench",  # production names the operator on the privacy page
        "RELAY_OPERATOR_ADDRESS": "bench",
        "RELAY_OPERATOR_CONTACT": "bench@example.jp",
        "RELAY_SMTP_URL": "smtp://127.0.0.1:1",  # no mail is sent while reading matches
        "RELAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "uvicorn", "relay.app:create_app", "--factory"]
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--port", str(port), "--log-level", "critical"],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(30)


def graphql_latency(url: str, network: Network, targets, clients: int, seconds: int) -> dict:
    script = wrk_script(network, targets, MATCHES)
    wrk(url, script, clients, 3)  # warm-up: connections, plans, caches
    return wrk(url, script, clients, seconds)


async def sql_latency(
    url: str, targets, clients: int, requests: int, sql_for, *, generic: bool = True
) -> dict:
    """Plain SQL over asyncpg, ``sql_for(company, opening) -> (sql, args)`` per request;
    ``generic``: planned once per connection, as the server's page query (server/db.py)."""
    pool = await asyncpg.create_pool(
        url.replace("postgres://", "postgresql://", 1),
        min_size=clients,
        max_size=clients,
        server_settings={"plan_cache_mode": "force_generic_plan" if generic else "auto"},
    )
    prepared = [await sql_for(company, opening) for company, opening in targets]

    async def call(i: int) -> None:
        sql, args = prepared[i % len(prepared)]
        async with pool.acquire() as conn:
            rows = await conn.fetch(sql, *args)
        assert rows, i

    try:
        await closed_loop(clients, min(2 * clients, requests), call)
        return (await closed_loop(clients, requests, call))[0]
    finally:
        await pool.close()


# The rows the GraphQL request returns, in one plain query: server.network.matching's page query
# with each candidate's and each match's tags (slug, Japanese label) in order.
_TAGS = """ARRAY(SELECT t.slug || ':' || t.label_ja FROM unnest({}) WITH ORDINALITY AS u(id, n)
  JOIN tag t ON t.id = u.id ORDER BY u.n)"""
REFERENCE_SQL = f"""
SELECT p.id, p.headline, p.experience_years, p.score,
  {_TAGS.format("p.tag_ids")} AS tags, {_TAGS.format("p.matched_tag_ids")} AS matched_tags
FROM ({matching._PAGE_SQL}) p ORDER BY p.score DESC, p.id DESC
"""


async def table_page(company: int, opening: int):
    return REFERENCE_SQL, [company, datetime.now(UTC), opening, float("inf"), 0, PAGE]


async def gin_page(company: int, opening: int):
    """The alternative: score every candidate sharing a tag of the opening, per request."""
    rows = await matching._db().execute_query_dict(
        "SELECT tag_ids, remote_ok FROM opening WHERE id = $1", [opening]
    )
    found = await scoring.terms(rows[0]["tag_ids"], rows[0]["remote_ok"])
    select, args = scoring.select_sql(found, 4)
    sql = (
        f"SELECT s.* FROM ({select}) s JOIN candidate c ON c.id = s.candidate_id "
        f"WHERE {MATCHABLE_SQL} ORDER BY s.score DESC, s.candidate_id DESC LIMIT $3"
    )
    return sql, [company, datetime.now(UTC), PAGE, *args]


async def table_size(url: str) -> dict:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS n, pg_total_relation_size('opening_match') AS bytes "
            "FROM opening_match"
        )
        # Settle the freshly generated tables (as on a network that has been running), so
        # that autovacuum does not run through the latency measurements.
        await conn.execute("VACUUM ANALYZE")
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CHECKPOINT")  # the load's dirty pages, written now
    finally:
        await conn.close()
    return {"match_rows": row["n"], "match_table_mb": round(row["bytes"] / 2**20, 1)}


async def measure(size: int, args: argparse.Namespace) -> dict:
    settings = get_settings()
    clients, requests = args.clients, args.requests
    async with scratch_database() as url:
        settings.database_url = url
        network = await generate(url, size, openings_per_company=args.openings_per_company)
        figures: dict = {"candidates": size, "generate_s": round(network.seconds, 1)}
        with Timer() as weights:
            await scoring.refresh_weights()
        figures["refresh_weights_s"] = round(weights.seconds, 2)
        targets = await openings_by_company(url)
        figures |= await rebuild_all(targets)
        figures |= await table_size(url)
        figures |= await candidate_patches(url, 50)
        random.Random(size).shuffle(targets)
        with served(url, args.workers) as server:
            figures["graphql"] = graphql_latency(server, network, targets, clients, args.seconds)
            figures["graphql_one_client"] = graphql_latency(
                server, network, targets, 1, args.seconds
            )
        figures["sql_table"] = await sql_latency(url, targets, clients, requests, table_page)
        figures["sql_one_client"] = await sql_latency(
            url, targets, 1, max(100, requests // 5), table_page
        )
        figures["sql_gin"] = await sql_latency(
            url, targets, clients, max(3 * clients, 60), gin_page, generic=False
        )
        app = create_app(settings)
        app.state.settings, app.state.redis = settings, make_pool(settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            figures |= await new_opening_end_to_end(http, network, 5)
        await app.state.redis.aclose()
    for name, graphql, sql in (
        ("graphql_vs_sql", "graphql", "sql_table"),
        ("graphql_vs_sql_one_client", "graphql_one_client", "sql_one_client"),
    ):
        figures[name] = round(figures[graphql]["p50_ms"] / figures[sql]["p50_ms"], 2)
    return figures


def markdown(results: list[dict], clients: int) -> str:
    lines = [
        f"## Matching ({clients} concurrent clients, first page of {PAGE})",
        "",
        "| measure | " + " | ".join(f"{r['candidates']:,} candidates" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]

    def row(name: str, value) -> None:
        lines.append(f"| {name} | " + " | ".join(value(r) for r in results) + " |")

    def lat(key: str):
        return lambda r: f"{r[key]['p50_ms']} / {r[key]['p99_ms']} ms ({r[key]['per_second']}/s)"

    row("`matches` over GraphQL, real server, p50 / p99", lat("graphql"))
    row("same page, plain SQL on the match table, p50 / p99", lat("sql_table"))
    row("GraphQL / plain SQL (p50)", lambda r: f"{r['graphql_vs_sql']}×")
    row("one client: GraphQL, p50 / p99", lat("graphql_one_client"))
    row("one client: plain SQL, p50 / p99", lat("sql_one_client"))
    row("one client: GraphQL / plain SQL (p50)", lambda r: f"{r['graphql_vs_sql_one_client']}×")
    row("alternative: per-request SQL over the GIN index, p50 / p99", lat("sql_gin"))
    row(
        "new opening, createOpening → worker → first page (p50 / max)",
        lambda r: f"{r['new_opening_p50_s']} / {r['new_opening_max_s']} s",
    )
    row(
        "rebuild of one opening's best 1,000 (p50 / max)",
        lambda r: f"{r['rebuild_p50_ms']} / {r['rebuild_max_ms']} ms",
    )
    row(
        "candidate patch after an edit (p50 / max)",
        lambda r: f"{r['candidate_patch_p50_ms']} / {r['candidate_patch_max_ms']} ms",
    )
    row("refresh of all tag weights (cron)", lambda r: f"{r['refresh_weights_s']} s")
    row("match table", lambda r: f"{r['match_rows']:,} rows, {r['match_table_mb']} MB")
    row("open openings", lambda r: f"{r['openings']:,}")
    row("load average before / after (1 min)", lambda r: " / ".join(map(str, r["load_average"])))
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    if shutil.which("wrk") is None:
        sys.exit("bench.matching: wrk not found (apt-get install wrk, or run make bench)")
    results = []
    for size in args.sizes:
        # The machine may be shared: the load before and after each size goes with it.
        load = os.getloadavg()[0]
        results.append(await measure(size, args))
        results[-1]["load_average"] = [round(load, 1), round(os.getloadavg()[0], 1)]
        print(results[-1], flush=True)
    figures = {
        "clients": args.clients,
        "page": PAGE,
        "server": f"uvicorn, {args.workers} worker processes, loaded by wrk",
        "results": results,
    }
    save("matching", figures, markdown(results, args.clients))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15, help="per GraphQL load run")
    parser.add_argument("--requests", type=int, default=5000, help="per SQL reference run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--openings-per-company", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
