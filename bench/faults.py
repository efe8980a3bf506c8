"""Fault run: the mail pipeline drained by real `relay worker` processes while a worker is
killed or stopped, Redis is killed and comes back empty, PostgreSQL stops for 20 s and the SMTP
server answers 451 for 60 s. Each scenario prints delivered / duplicated / lost and the seconds
from the fault's end to full delivery.

    .venv/bin/python -m bench.faults [--mails 500] [--only kill9,sigterm,redis,postgres,smtp451]

Private PostgreSQL, Redis and SMTP (relay.embedded, tests.fixtures.smtp): the machine's own
services are never touched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

os.environ.setdefault("RELAY_PUBLIC_URL", "http://relay.bench")
os.environ["RELAY_QUEUE_NAME"] = f"relay:faults:{uuid.uuid4().hex[:8]}"

from tortoise import Tortoise, connections

from bench.common import save
from relay.embedded import EmbeddedPostgres, EmbeddedRedis
from server.config import get_settings
from server.db import migrate, tortoise_config
from server.mail import outbox
from server.models import MailKind
from server.queue import make_pool
from tests.fixtures.smtp import SmtpServer

# After the fault ends, full delivery is awaited this long before the rest counts as lost.
PATIENCE_SECONDS = 300
FAULT_AT = 0.25  # the fault hits once this share of the mails went out


class Run:
    """The private services and the worker processes of one fault run."""

    def __init__(self, root: Path) -> None:
        self.postgres = EmbeddedPostgres(root / "postgres")
        self.redis = EmbeddedRedis(root / "redis")
        self.smtp = SmtpServer()
        self.workers: list[subprocess.Popen[bytes]] = []
        self.database_url = ""
        self.secret_key = secrets.token_urlsafe(48)

    def env(self) -> dict[str, str]:
        settings = get_settings()
        return {
            **os.environ,
            "RELAY_DATABASE_URL": self.database_url,
            "RELAY_REDIS_URL": self.redis.url or "",
            "RELAY_QUEUE_NAME": settings.queue_name,
            "RELAY_SMTP_URL": self.smtp.url,
            # production settings, as deployed
            "RELAY_ENV": "production",
            "RELAY_SECRET_KEY": self.secret_key,
            "RELAY_OPERATOR_NAME": "bench",
            "RELAY_OPERATOR_ADDRESS": "bench",
            "RELAY_OPERATOR_CONTACT": "bench@example.jp",
        }

    def start_worker(self) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            [sys.executable, "-m", "relay.cli", "worker"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.workers.append(worker)
        time.sleep(1)
        if worker.poll() is not None:  # e.g. refused its settings: say so instead of waiting
            raise RuntimeError(f"relay worker exited at start ({worker.returncode})")
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers.clear()


async def sent(total: int) -> int | None:
    """SENT rows, or None while the database does not answer."""
    try:
        rows = await connections.get("default").execute_query_dict(
            "SELECT count(*) AS n FROM mail_message WHERE status = 'SENT'"
        )
    except Exception:  # PostgreSQL is down in one scenario
        return None
    return rows[0]["n"]


async def wait_until(condition: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return True
        await asyncio.sleep(0.2)
    return False


async def queue_mails(run: Run, name: str, count: int) -> list[str]:
    recipients = [f"{name}-{i}@example.jp" for i in range(count)]
    ids = []
    for recipient in recipients:
        message, _ = await outbox.queue_mail(
            kind=MailKind.REJECTION,
            recipient=recipient,
            subject="【株式会社ベンチ】選考結果のご連絡",
            body_text="山田 様\n\nご応募ありがとうございました。\n" * 12,
            dedupe_key=f"faults:{recipient}",
        )
        ids.append(message.id)
    redis = make_pool(get_settings())
    await outbox.enqueue_send(redis, ids)
    await redis.aclose()
    return recipients


async def kill9(run: Run) -> None:
    run.workers[0].send_signal(signal.SIGKILL)
    run.workers[0].wait()
    run.start_worker()  # the supervisor's restart


async def sigterm(run: Run) -> None:
    run.workers[0].send_signal(signal.SIGTERM)
    await asyncio.to_thread(run.workers[0].wait, 60)
    run.start_worker()


async def redis_lost(run: Run) -> None:
    process = run.redis._process
    assert process is not None
    process.kill()  # kill -9: no snapshot written
    process.wait()
    run.redis._process, run.redis.url = None, None
    for dump in run.redis.data_dir.glob("*.rdb"):
        dump.unlink()
    await asyncio.sleep(2)
    run.redis.start()  # empty: every queued job is gone


async def postgres_down(run: Run) -> None:
    await asyncio.to_thread(run.postgres.stop)
    await asyncio.sleep(20)
    await asyncio.to_thread(run.postgres.start)


async def smtp_refusing(run: Run) -> None:
    run.smtp.refuse_everyone("451 4.3.0 Try again later")
    await asyncio.sleep(60)
    run.smtp.refuse_everyone("")


async def no_fault(run: Run) -> None:
    """The floor: the same drain without a fault."""


SCENARIOS: dict[str, tuple[str, Callable[[Run], Awaitable[None]]]] = {
    "none": ("no fault (the floor)", no_fault),
    "kill9": ("worker killed (kill -9) mid-drain, restarted", kill9),
    "sigterm": ("worker stopped (SIGTERM) mid-drain, restarted", sigterm),
    "redis": ("Redis killed, restarted empty", redis_lost),
    "postgres": ("PostgreSQL stopped for 20 s", postgres_down),
    "smtp451": ("SMTP answers 451 for 60 s", smtp_refusing),
}


async def scenario(run: Run, name: str, count: int) -> dict:
    label, fault = SCENARIOS[name]
    run.smtp.recorder.received.clear()
    await connections.get("default").execute_script("DELETE FROM mail_message")
    run.start_worker()
    started = time.monotonic()
    await queue_mails(run, name, count)
    await wait_until(lambda: _at_least(count * FAULT_AT), 120)
    await fault(run)
    fault_over = time.monotonic()
    done = await wait_until(lambda: _at_least(count), PATIENCE_SECONDS)
    seconds = time.monotonic() - fault_over
    await asyncio.sleep(2)  # a late duplicate would show now
    received = Counter(r.rcpt_tos[0] for r in run.smtp.received)
    run.stop_workers()
    unsent = await connections.get("default").execute_query_dict(
        "SELECT status, attempts, count(*) AS n FROM mail_message WHERE status <> 'SENT' "
        "GROUP BY status, attempts"
    )
    mine = {f"{name}-{i}@example.jp" for i in range(count)}
    return {
        "scenario": label,
        "mails": count,
        "delivered": len(mine & set(received)),
        "duplicated": sum(n - 1 for n in received.values()),
        "lost": len(mine - set(received)),
        "seconds_to_full_delivery": round(seconds, 1) if done else None,
        "seconds_total": round(time.monotonic() - started, 1),
        "not_sent": {f"{r['status']}/{r['attempts']}": r["n"] for r in unsent},
    }


async def _at_least(n: float) -> bool:
    count = await sent(0)
    return count is not None and count >= n


async def main_async(count: int, only: list[str]) -> list[dict]:
    root = Path(tempfile.mkdtemp(prefix="relay-faults-"))
    run = Run(root)
    results = []
    try:
        run.smtp.start()
        run.redis.start()
        run.database_url = run.postgres.start()
        await migrate(run.database_url)
        await Tortoise.init(config=tortoise_config(run.database_url))
        get_settings().redis_url = run.redis.url
        for name in only:
            result = await scenario(run, name, count)
            print(result, flush=True)
            results.append(result)
    finally:
        run.stop_workers()
        with contextlib.suppress(Exception):
            await Tortoise.close_connections()
        run.smtp.stop()
        run.redis.stop()
        run.postgres.stop()
        shutil.rmtree(root, ignore_errors=True)
    return results


def report(results: list[dict]) -> None:
    lines = [
        f"## Mail pipeline under faults ({results[0]['mails']:,} mails a scenario)",
        "",
        "| scenario | delivered | duplicated | lost | s to full delivery after the fault "
        "| s from queueing to full delivery |",
        "|---|---|---|---|---|---|",
        *(
            f"| {r['scenario']} | {r['delivered']:,} | {r['duplicated']} | {r['lost']} | "
            f"{_seconds(r['seconds_to_full_delivery'])} | {r['seconds_total']} |"
            for r in results
        ),
    ]
    save("faults", {"scenarios": results}, "\n".join(lines))


def _seconds(value: float | None) -> str:
    return f"not within {PATIENCE_SECONDS}" if value is None else str(value)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # 2,000 as in the issue is the aim; on the shared 2-core machine the SMTP sink in this
    # process drains ~10 mails/s under load, so the default is 500 (bench/README.md).
    parser.add_argument("--mails", type=int, default=500)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    signal.signal(signal.SIGTERM, _interrupt)  # stop the private services on the way out
    report(asyncio.run(main_async(args.mails, only)))


if __name__ == "__main__":
    main()
