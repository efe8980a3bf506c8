"""Rejection pipeline benchmark: import 10,000 applications, reject them all, drain the outbox
into a local aiosmtpd sink through the real worker; a bare aiosmtplib loop into the same sink
is the reference.

    .venv/bin/python -m bench.pipeline [--rows 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage

os.environ.setdefault(
    "RELAY_REDIS_URL", os.environ.get("RELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
)
os.environ["RELAY_QUEUE_NAME"] = f"relay:bench:{uuid.uuid4().hex[:8]}"
os.environ.setdefault("RELAY_PUBLIC_URL", "http://relay.bench")

import aiosmtplib
from arq.worker import Worker

from bench.common import Timer, save, scratch_database
from relay.embedded import free_port
from server.applications import ats_import, openings, rejections
from server.companies import accounts as companies
from server.config import get_settings
from server.models import Application, MailMessage, MailStatus
from server.network import taxonomy
from server.principal import Principal
from server.queue import make_pool
from workers.settings import worker_settings


async def bare_loop(port: int, count: int) -> float:
    """Seconds a plain aiosmtplib loop on one connection takes for ``count`` mails."""
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await smtp.connect()
    with Timer() as timer:
        for i in range(count):
            message = EmailMessage()
            message["From"] = "no-reply@relay.example.jp"
            message["To"] = f"person{i}@example.jp"
            message["Subject"] = "【株式会社ベンチ】選考結果のご連絡"
            message.set_content("山田 様\n\nご応募ありがとうございました。\n" * 12)
            await smtp.send_message(message)
    await smtp.quit()
    return timer.seconds


async def run(rows: int, port: int) -> None:
    settings = get_settings()
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    redis = make_pool(settings)
    try:
        async with scratch_database() as url:
            settings.database_url = url
            await taxonomy.seed()
            operator = Principal(None, None)
            created = await companies.create(operator, "株式会社ベンチ", slug="bench")
            company = Principal(created.api_key.id, created.company.id)
            opening = await openings.create(company, "バックエンドエンジニア", "", ["Python"])
            batch = [
                ats_import.ImportRow(
                    external_id=f"ats-{i}",
                    name=f"応募者 {i}",
                    email=f"person{i}@example.jp",
                    opening_id=opening.id,
                    tags=["Python", "東京", "AWS"][: 1 + i % 3],
                )
                for i in range(rows)
            ]
            with Timer() as imported:
                result = await ats_import.import_rows(company, batch)
            assert result.created == rows, result
            ids = await Application.all().values_list("id", flat=True)
            with Timer() as rejected:
                for start in range(0, len(ids), 20):
                    await asyncio.gather(
                        *(
                            rejections.reject(company, i, redis=redis)
                            for i in ids[start : start + 20]
                        )
                    )
            # The production worker settings; burst: stop once the queue is empty.
            worker = Worker(**worker_settings(burst=True, cron_jobs=[]))
            load_before = os.getloadavg()[0]
            with Timer() as drained:
                await worker.main()
            await worker.close()
            sent = await MailMessage.filter(status=MailStatus.SENT).count()
            assert sent == rows, f"only {sent} of {rows} mails were sent"
        reference = await bare_loop(port, rows)
    finally:
        await redis.aclose()
    figures = {
        "rows": rows,
        "import_rows_per_second": round(rows / imported.seconds),
        "import_seconds": round(imported.seconds, 2),
        "rejections_per_second": round(rows / rejected.seconds),
        "pipeline_mails_per_second": round(rows / drained.seconds),
        "bare_loop_mails_per_second": round(rows / reference),
        "worker_jobs_run": worker.jobs_complete,
        "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    figures["pipeline_vs_bare"] = round(
        figures["pipeline_mails_per_second"] / figures["bare_loop_mails_per_second"], 2
    )
    table = [
        ("import", f"{figures['import_rows_per_second']:,} rows/s ({imported.seconds:.1f} s)"),
        ("rejectApplication (core, 20 at a time)", f"{figures['rejections_per_second']:,} /s"),
        ("outbox drained by the worker", f"{figures['pipeline_mails_per_second']:,} mails/s"),
        ("bare aiosmtplib loop, same sink", f"{figures['bare_loop_mails_per_second']:,} mails/s"),
        ("pipeline / bare", str(figures["pipeline_vs_bare"])),
        ("send jobs run by the worker", f"{worker.jobs_complete:,}"),
        (
            "load average (1 min) before the drain / after",
            "{} / {}".format(*figures["load_average_1min"]),
        ),
    ]
    lines = [
        f"## Rejection pipeline ({rows:,} applications)",
        "",
        "| measure | figure |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in table),
    ]
    save("pipeline", figures, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    port = free_port()
    # The sink runs in its own process, as a real SMTP server would.
    sink = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ]
    )
    try:
        time.sleep(1.5)
        asyncio.run(run(parser.parse_args().rows, port))
    finally:
        sink.terminate()


if __name__ == "__main__":
    main()
