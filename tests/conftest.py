"""Shared fixtures: one migrated database per run (tables emptied between tests), a unique
arq queue per run on real Redis, the app with its lifespan, and GraphQL helpers."""

from __future__ import annotations

import os
import secrets
import uuid

from tests.fixtures import services

# Settings are read once per process: point them at this run's services before any import.
_SERVER_URL = services.database_server_url()
# Development is never a default (unset means production): the tests turn it on, with a
# random secret as `relay up` does.
os.environ["RELAY_ENV"] = "development"
os.environ["RELAY_SECRET_KEY"] = secrets.token_urlsafe(48)
os.environ["RELAY_DATABASE_URL"] = services.run_database_url(_SERVER_URL)
os.environ["RELAY_REDIS_URL"] = services.redis_url()
os.environ["RELAY_QUEUE_NAME"] = f"relay:test:{uuid.uuid4().hex[:8]}"
os.environ.setdefault("RELAY_PUBLIC_URL", "http://relay.test")
# Tests make many calls in a burst with keys whose ids repeat after each truncate; the query
# cost bucket is exercised by tests/schema/test_query_cost.py with its own small size.
os.environ["RELAY_COST_BUCKET_SIZE"] = "100000000"
# Tests register right after mailing and expect credits at once; tests/security turn the
# referral fraud holding period and fast-registration signal back on.
os.environ["RELAY_REFERRAL_HOLD_HOURS"] = "0"
os.environ["RELAY_REFERRAL_FAST_SECONDS"] = "0"

import httpx  # noqa: E402
import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402
from tortoise import connections  # noqa: E402

from server.config import get_settings  # noqa: E402
from server.db import drop_database, migrate  # noqa: E402
from server.network import tags  # noqa: E402

pytest_plugins = [
    "tests.fixtures.graphql",
    "tests.fixtures.smtp",
    "tests.fixtures.receiver",
    "tests.fixtures.console",
]


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest_asyncio.fixture(scope="session")
async def app(settings):
    """The application with its lifespan entered (Tortoise and the arq client ready)."""
    from relay.app import create_app

    await migrate(settings.database_url)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application
    await drop_database(settings.database_url)
    services.stop_all()


TABLES_KEPT = {"tortoise_migrations"}

# Rows, not tables: a TRUNCATE of every table after every test was most of the suite's time
# (it rewrites every relation even when empty). One query finds the tables that hold rows;
# they are emptied with DELETE with triggers (and so foreign-key checks) off, and every
# sequence starts again at 1.
_RESTART_SEQUENCES = "SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'"


@pytest_asyncio.fixture(autouse=True)
async def clean_database(app):
    """Every test starts from empty tables and sequences."""
    yield
    conn = connections.get("default")
    tables = [r["t"] for r in await conn.execute_query_dict(await _tables_with_rows(conn))]
    if tables:
        deletes = "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(
            f"BEGIN; SET LOCAL session_replication_role = replica; {deletes}"
            f"{_RESTART_SEQUENCES}; COMMIT;"
        )
    tags.forget()  # tag ids start again at 1: what this process remembers is another tag


_probe: str | None = None


async def _tables_with_rows(conn) -> str:
    global _probe
    if _probe is None:
        rows = await conn.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        names = sorted(r["tablename"] for r in rows if r["tablename"] not in TABLES_KEPT)
        _probe = " UNION ALL ".join(
            f"SELECT '{n}' AS t WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in names
        )
    return _probe


@pytest_asyncio.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://relay.test") as http:
        yield http


@pytest_asyncio.fixture
async def redis(app):
    """The app's arq client; this run's queue is emptied after each test (only this run's:
    the Redis server may be shared with other runs)."""
    yield app.state.redis
    await app.state.redis.delete(get_settings().queue_name)
