"""CPU time per request of the server process, one query kind at a time (issue 14).

Under a loaded machine req/s says more about the scheduler than about the code; the server's
own user + system time (``/proc/<pid>/stat``) over the requests ``wrk`` counted does not.
One ``relay serve`` process, 20 connections, each kind for ``RELAY_BENCH_SECONDS``; with
``--profile DIR`` py-spy records each kind (raw folded stacks) while wrk runs.

    .venv/bin/python -m bench.cpu --candidates 20000 --companies 40 [--profile /tmp/prof]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys

from bench import api
from bench.common import save, scratch_database
from bench.matching import gid

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def server_pid(url: str) -> int:
    port = url.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True)
    return int(out.stdout.split("pid=")[1].split(",")[0])


def kinds(network, targets) -> dict[str, tuple[list, str]]:
    company, opening = next(iter(targets.items()))
    key = network.keys[company]
    one = lambda q, v=None: [("/graphql", key, api.body(q, v))]  # noqa: E731
    return {
        "viewer": (one(api.VIEWER), '"viewer":{"name"'),
        "openings": (one(api.OPENINGS), '"openings"'),
        "applications": (one(api.APPLICATIONS), '"applications"'),
        "matches": (one(api.MATCHES, {"o": gid(opening)}), '"matches"'),
        "mix": (api.mix(network, targets), '"data":{"'),
    }


def measure(url: str, network, targets, profile: str | None, only: list[str]) -> dict:
    results = {}
    with api.relay(url, 1) as served:
        pid = server_pid(served)
        for name, (items, marker) in kinds(network, targets).items():
            if only and name not in only:
                continue
            api.wrk(served, items, marker, 20, 2)
            spy = None
            if profile:
                os.makedirs(profile, exist_ok=True)
                spy_bin = os.path.join(os.path.dirname(sys.executable), "py-spy")
                spy = subprocess.Popen(
                    [
                        spy_bin,
                        "record",
                        "-r",
                        "200",
                        "-f",
                        "raw",
                        "-p",
                        str(pid),
                        "-o",
                        f"{profile}/{name}.txt",
                        "-d",
                        str(api.SECONDS),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            before = cpu_seconds(pid)
            figures = api.wrk(served, items, marker, 20, api.SECONDS)
            used = cpu_seconds(pid) - before
            if spy:
                spy.wait(60)
            figures["cpu_us"] = round(used / figures["requests"] * 1e6)
            figures["load"] = round(os.getloadavg()[0], 1)
            results[name] = figures
            print(name, json.dumps(figures), flush=True)
    return results


def markdown(rounds: list[dict]) -> str:
    rows = [
        "| kind | CPU µs per request | req/s | p99 ms | load (1 min) |",
        "|---|---|---|---|---|",
    ]
    for figures in rounds:
        for name, f in figures.items():
            rows.append(
                f"| {name} | {f['cpu_us']:,} | {f['per_second']:,} | {f['p99_ms']} | {f['load']} |"
            )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--applications", type=int, default=20_000)
    parser.add_argument("--companies", type=int, default=40)
    parser.add_argument("--mix-companies", type=int, default=10)
    parser.add_argument("--profile", help="directory for py-spy's raw stacks")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--name", help="save bench/results/<name>.json and .md")
    args = parser.parse_args()

    async def run() -> None:
        async with scratch_database() as url:
            network, targets = await api.prepare(url, args)
            rounds = [
                await asyncio.to_thread(measure, url, network, targets, args.profile, args.only)
                for _ in range(args.rounds)
            ]
        if args.name:
            save(args.name, {"rounds": rounds}, markdown(rounds))

    asyncio.run(run())


if __name__ == "__main__":
    main()
