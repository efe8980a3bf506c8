"""Every test here leaves this run's job queue empty (jobs its requests enqueued through the
app would otherwise reach the next test's worker)."""

from __future__ import annotations

import pytest_asyncio


@pytest_asyncio.fixture(autouse=True)
async def empty_queue(redis):
    yield
