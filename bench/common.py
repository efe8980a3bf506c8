"""Shared setup for benchmarks: a throwaway database, results files."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise

from server.db import drop_database, migrate, tortoise_config

RESULTS = Path(__file__).parent / "results"


def server_url() -> str:
    return os.environ.get(
        "RELAY_BENCH_DATABASE_URL",
        os.environ.get("RELAY_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )


@contextlib.asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A migrated database of its own, dropped afterwards."""
    parts = urlsplit(server_url())
    url = urlunsplit(parts._replace(path=f"/relay_bench_{uuid.uuid4().hex[:10]}"))
    await migrate(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        yield url
    finally:
        await Tortoise.close_connections()
        await drop_database(url)


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def save(name: str, figures: dict, markdown: str) -> None:
    """Writes bench/results/<name>.json and .md, and prints the Markdown."""
    RESULTS.mkdir(exist_ok=True)
    meta = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(meta | figures, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown + "\n")
    print(markdown)
