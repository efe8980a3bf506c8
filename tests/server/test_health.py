"""Liveness and readiness."""

from __future__ import annotations

from relay.embedded import free_port
from server.config import Settings
from server.queue import make_pool


async def test_healthz_and_readyz_answer_when_all_is_up(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}

    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_names_redis_when_it_is_unreachable(app, client, settings):
    closed_port = Settings(
        **(settings.model_dump() | {"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    )
    working, app.state.redis = app.state.redis, make_pool(closed_port)
    try:
        response = await client.get("/readyz")
    finally:
        await app.state.redis.aclose()
        app.state.redis = working

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert "connect" in body["checks"]["redis"].lower()
