"""Webhook delivery benchmark: N events for one endpoint delivered by the worker's job
(claim, sign, POST, attempt log, status) into a local receiver; a bare httpx loop POSTing
the same bodies to the same receiver is the reference.

    .venv/bin/python -m bench.webhooks [--events 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid

os.environ.setdefault("RELAY_PUBLIC_URL", "http://relay.bench")
os.environ["RELAY_QUEUE_NAME"] = f"relay:bench:{uuid.uuid4().hex[:8]}"

import httpx

from bench.common import Timer, save, scratch_database
from relay.embedded import free_port
from server.companies import accounts as companies
from server.config import get_settings
from server.models import DeliveryStatus, WebhookDelivery, WebhookFormat
from server.principal import Principal
from server.webhooks import endpoints
from server.webhooks.events import EventType, emit
from workers import webhooks as webhook_jobs

# The receiver runs in a process of its own, as a real one would.
RECEIVER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

async def hook(request):
    await request.body()
    return PlainTextResponse("ok")

app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def start_receiver(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)])
    for _ in range(200):
        try:
            httpx.post(f"http://127.0.0.1:{port}/hook", content=b"{}")
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the receiver did not start")


async def bare_loop(url: str, bodies: list[str]) -> float:
    async with httpx.AsyncClient() as client:
        with Timer() as timer:
            for body in bodies:
                response = await client.post(
                    url, content=body, headers={"content-type": "application/json"}
                )
                assert response.status_code == 200
    return timer.seconds


async def run(count: int, url: str) -> dict:
    get_settings().webhook_allow_private = True  # the receiver is on 127.0.0.1
    async with scratch_database() as database:
        get_settings().database_url = database
        created = await companies.create(Principal(None, None), "株式会社ベンチ", slug="bench")
        company = Principal(created.api_key.id, created.company.id)
        await endpoints.create(company, url, [], WebhookFormat.STANDARD)
        with Timer() as emitted:
            for i in range(count):
                data = {"referral": {"id": f"UmVmZXJyYWw6{i}", "status": "QUALIFIED"}}
                await emit(company.company_id, EventType.REFERRAL_QUALIFIED, str(i), data)
        bodies = await WebhookDelivery.all().values_list("payload", flat=True)
        ctx: dict = {}
        with Timer() as delivered:
            sent = await webhook_jobs.dispatch_webhooks(ctx)
            while sent < count:
                sent += await webhook_jobs.dispatch_webhooks(ctx)
        await webhook_jobs.shutdown(ctx)
        done = await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count()
        assert done == count, f"{done} of {count} delivered"
    bare = await bare_loop(url, list(bodies))
    return {
        "events": count,
        "emit_per_second": round(count / emitted.seconds),
        "delivered_per_second": round(count / delivered.seconds),
        "bare_httpx_per_second": round(count / bare),
        "ratio": round(bare / delivered.seconds, 2),
    }


def markdown(f: dict) -> str:
    return "\n".join(
        [
            f"Webhook delivery, {f['events']:,} events into a local uvicorn receiver",
            "",
            "| measure | figure |",
            "|---|---|",
            f"| `emit` in the core (one INSERT per event) | {f['emit_per_second']:,} /s |",
            f"| delivered by `dispatch_webhooks` (claim, sign, POST, log) "
            f"| {f['delivered_per_second']:,} /s |",
            f"| bare httpx loop, same bodies, same receiver | {f['bare_httpx_per_second']:,} /s |",
            f"| **delivered / bare** (target ≥ 0.5) | **{f['ratio']}** |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    receiver = start_receiver(port)
    try:
        figures = asyncio.run(run(args.events, f"http://127.0.0.1:{port}/hook"))
    finally:
        receiver.terminate()
        receiver.wait()
    save("webhooks", figures, markdown(figures))


if __name__ == "__main__":
    main()
