"""Concurrent spenders (issue 10, item 1): 50 introduction requests at once, for different
candidates, by a company with a balance of 3. Exactly 3 introductions and 47
INSUFFICIENT_CREDITS are expected, balance 0, no deadlock; the latency of each request is
reported (the deadlock made them wait up to 48 s).

    .venv/bin/python -m bench.spenders [--requests 50] [--balance 3] [--rounds 5]

The requests run through the core (``introductions.request``, as the GraphQL mutation does)
against a scratch PostgreSQL database; the floor is a plain ``SELECT 1`` round trip measured
the same way, 50 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import time

os.environ.setdefault("RELAY_PUBLIC_URL", "http://relay.bench")
os.environ.setdefault("RELAY_REDIS_URL", "redis://127.0.0.1:6379/0")

from tortoise import connections

from bench.common import save, scratch_database
from server.candidates import consent
from server.errors import DomainError, ErrorCode
from server.models import Candidate, Company, CreditKind, Introduction, Opening
from server.network import credits, introductions
from server.principal import Principal


async def _timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    try:
        result = await call
    except Exception as error:  # the outcome is what is measured
        result = error
    return time.perf_counter() - start, result


async def _round(requests: int, balance: int) -> dict:
    company = await Company.create(
        name="spender", slug=f"s-{secrets.token_hex(4)}", join_code=secrets.token_hex(4)
    )
    await credits.post(company.id, balance, CreditKind.ADJUSTMENT, f"bench:{secrets.token_hex(6)}")
    opening = await Opening.create(company_id=company.id, title="データ基盤エンジニア")
    people = []
    for i in range(requests):
        email = f"c{i}-{secrets.token_hex(3)}@example.jp"
        person = await Candidate.create(
            email=email, email_normalized=email, display_name=f"候補 {i}", headline="SRE"
        )
        await consent.record(
            person, consent.ConsentScope.NETWORK_SHARING, True, source="bench", company_id=None
        )
        people.append(person)
    caller = Principal(api_key_id=None, company_id=company.id)
    timed = await asyncio.gather(
        *(_timed(introductions.request(caller, opening.id, p.id)) for p in people)
    )
    results = [r for _, r in timed]
    refused = [r for r in results if isinstance(r, DomainError)]
    return {
        "latencies": [t for t, _ in timed],
        "made": sum(isinstance(r, Introduction) for r in results),
        "insufficient": sum(r.errors[0].code == ErrorCode.INSUFFICIENT_CREDITS for r in refused),
        "other": len(results) - sum(isinstance(r, Introduction) for r in results) - len(refused),
        "balance": (await Company.get(id=company.id)).credit_balance,
    }


async def _floor(requests: int) -> list[float]:
    conn = connections.get("default")
    timed = await asyncio.gather(*(_timed(conn.execute_query("SELECT 1")) for _ in range(requests)))
    return [t for t, _ in timed]


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


async def run(requests: int, balance: int, rounds: int) -> None:
    async with scratch_database():
        floor = await _floor(requests)
        outcomes = [await _round(requests, balance) for _ in range(rounds)]
        latencies = [t for o in outcomes for t in o["latencies"]]
        rows = [
            f"| round {i + 1} | {o['made']} | {o['insufficient']} | {o['other']} | "
            f"{o['balance']} | {_p(o['latencies'], 50):.0f} | {max(o['latencies']) * 1000:.0f} |"
            for i, o in enumerate(outcomes)
        ]
        markdown = "\n".join(
            [
                f"{requests} concurrent introduction requests, balance {balance}, {rounds} rounds;"
                f" floor: {requests} concurrent `SELECT 1`, p99 {_p(floor, 99):.1f} ms.",
                "",
                "| round | introductions | INSUFFICIENT_CREDITS | other errors | balance after "
                "| p50 ms | max ms |",
                "|---|---|---|---|---|---|---|",
                *rows,
                "",
                f"All rounds: p50 {_p(latencies, 50):.0f} ms, p99 {_p(latencies, 99):.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms.",
            ]
        )
        save(
            "spenders",
            {
                "rounds": [{k: v for k, v in o.items() if k != "latencies"} for o in outcomes],
                "p50_ms": _p(latencies, 50),
                "p99_ms": _p(latencies, 99),
                "max_ms": max(latencies) * 1000,
                "floor_p99_ms": _p(floor, 99),
            },
            markdown,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--balance", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.balance, args.rounds))


if __name__ == "__main__":
    main()
