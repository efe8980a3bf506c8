"""A database outage under a running server: JSON 503 with Retry-After, never a plain 500.

The server runs as its own process (`relay serve`) on a private PostgreSQL that this test
starts and stops; the machine's shared PostgreSQL is never touched.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

from relay.embedded import EmbeddedPostgres, free_port

RELAY = str(Path(sys.executable).parent / "relay")
CREATE = 'mutation { createCompany(input: {name: "停止株式会社"}) { company { id } } }'
SET_STATUS = """mutation($id: ID!) { setCompanyStatus(input: {companyId: $id, status: SUSPENDED})
  { company { id } userErrors { code } } }"""


def _run(env: dict, *args: str) -> str:
    done = subprocess.run([RELAY, *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "relay serve exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("relay serve did not answer /healthz")


async def _stop_while_locked(pg: EmbeddedPostgres, url: str, base: str, key: str, company: str):
    """Holds the company row, lets setCompanyStatus wait on it, then stops PostgreSQL: the
    resolver itself (not authentication) meets the outage."""
    holder = await asyncpg.connect(url)
    await holder.execute("BEGIN")
    await holder.execute("SELECT 1 FROM company FOR UPDATE")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        pending = asyncio.create_task(
            http.post(
                "/graphql",
                json={"query": SET_STATUS, "variables": {"id": company}},
                headers={"Authorization": f"Bearer {key}"},
            )
        )
        for _ in range(200):
            waiting = await holder.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "setCompanyStatus never waited on the row lock"
        await asyncio.to_thread(pg.stop)
        return await pending


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"] == "application/json"
    assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"


def test_database_outage_answers_json_503_with_retry_after():
    # Not pytest's tmp_path: parallel pytest runs of the machine prune /tmp/pytest-of-<user>.
    tmp_path = Path(tempfile.mkdtemp(prefix="relay-outage-"))
    pg = EmbeddedPostgres(tmp_path / "pg")
    url = pg.start()
    env = os.environ | {"RELAY_DATABASE_URL": url, "RELAY_ENV": "test"}
    _run(env, "migrate")
    key = _run(env, "create-operator-key").strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [RELAY, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    try:
        _wait_until_up(base, server)
        auth = {"Authorization": f"Bearer {key}"}
        created = httpx.post(f"{base}/graphql", json={"query": CREATE}, headers=auth).json()
        company = created["data"]["createCompany"]["company"]["id"]

        _assert_unavailable(asyncio.run(_stop_while_locked(pg, url, base, key, company)))
        _assert_unavailable(httpx.post(f"{base}/graphql", json={"query": CREATE}, headers=auth))
        _assert_unavailable(httpx.get(f"{base}/r/some-token"))
        assert httpx.get(f"{base}/healthz").status_code == 200  # the process keeps serving
    finally:
        server.terminate()
        server.wait(timeout=30)
        pg.stop()
    served = log.read_text()
    shutil.rmtree(tmp_path, ignore_errors=True)
    assert "Exception in ASGI application" not in served
