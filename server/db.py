"""Tortoise configuration and migrations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.exceptions import BaseORMException
from tortoise.migrations.api import migrate as tortoise_migrate

from server.config import get_settings

MODELS = ["server.models"]
MIGRATIONS = "server.migrations"
# A second pool whose statements are planned once per connection: see tortoise_config.
GENERIC_PLANS = "generic_plans"


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool (asyncpg itself still rolls
    back an open transaction).

    The code changes session settings only with SET LOCAL, inside transactions, and never
    LISTENs, opens cursors outside a transaction or takes session advisory locks, so
    asyncpg's default reset (RESET ALL, UNLISTEN, CLOSE ALL, unlock, in one round trip) would
    only cost a round trip per query: ~10% of a `matches` request's CPU (bench/README.md).
    """


def tortoise_config(database_url: str) -> dict[str, Any]:
    """Tortoise config for one PostgreSQL database: the ``default`` pool, and the
    ``GENERIC_PLANS`` pool for the page of matches.

    A page of matches is one query of six relations read on every request. Planning it takes
    PostgreSQL ~0.5 ms, three times its execution, and whether PostgreSQL switches a
    prepared statement to its generic plan depends on the table statistics: on one freshly
    analysed network it kept planning every time, and the server served 700 pages a second
    instead of 1,000 (bench/README.md). Its pool forces generic plans; everything else keeps
    PostgreSQL's choice (reports and filters do better with plans made for their parameters).
    """
    connection = expand_db_url(database_url)
    connection["credentials"]["reset"] = _keep_session
    generic = expand_db_url(database_url)
    generic["credentials"] |= {
        "reset": _keep_session,
        "server_settings": {"plan_cache_mode": "force_generic_plan"},
    }
    return {
        "connections": {"default": connection, GENERIC_PLANS: generic},
        "apps": {
            "models": {
                "models": MODELS,
                "default_connection": "default",
                "migrations": MIGRATIONS,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Seconds a client is asked to wait (Retry-After) when the database cannot be reached.
RETRY_AFTER_SECONDS = 5

# What "the database cannot be reached right now" looks like: refused or dropped connections
# (OSError, asyncpg's class 08), a server shutting down or starting up (57P01-57P03).
_UNREACHABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
)


class DatabaseUnavailable(Exception):
    """The database cannot be reached right now; the request may be retried later."""


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means the database is unreachable (through Tortoise's wrappers)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (DatabaseUnavailable, *_UNREACHABLE)):
            return True
        if isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
            return True
        if not isinstance(error, BaseORMException):
            return False  # only Tortoise's own wrappers are looked through
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def _cli_config() -> dict[str, Any]:
    url = get_settings().database_url or "postgres://postgres@127.0.0.1:5432/relay"
    return tortoise_config(url)


# Read by `tortoise makemigrations` through [tool.tortoise] in pyproject.toml.
TORTOISE_ORM = _cli_config()


async def ensure_database(database_url: str) -> None:
    """Creates the URL's database when it does not exist yet."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    finally:
        await conn.close()


async def migrate(database_url: str) -> None:
    """Creates the database if needed and applies every migration."""
    await ensure_database(database_url)
    await tortoise_migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()
