"""A finished request leaves nothing for the cycle collector: its context, loaders, executor
and rows are freed as the request ends. Cyclic leftovers made the collector's full passes
run every second under load, pausing the server up to 100 ms each (bench/README.md)."""

from __future__ import annotations

import gc

from schema.context import Context
from schema.dataloader import Loader
from schema.execution import ExecutionContext
from server.models import Applicant, Opening
from tests.schema.test_applications import IMPORT, open_role, row
from tests.schema.test_preload import PAGE

LEFT = (Context, Loader, ExecutionContext, Applicant, Opening)


def _alive() -> list[str]:
    return sorted(type(o).__name__ for o in gc.get_objects() if isinstance(o, LEFT))


async def test_a_page_with_nested_objects_frees_everything_it_read(company_a):
    opening = await open_role(company_a, "一", tags=("Python",))
    await company_a(IMPORT, {"input": {"rows": [row(i, opening) for i in range(3)]}})
    await company_a(PAGE)  # first use: connections, caches
    mutation = 'mutation { createApiKey(input: {name: "k"}) { apiKey { id } } }'
    gc.collect()
    gc.disable()  # what is left now stays until the next check
    try:
        before = _alive()
        page = await company_a(PAGE)
        await company_a(mutation)  # Strawberry's way, with its own loaders
        after = _alive()
    finally:
        gc.enable()
    assert len(page["applications"]["edges"]) == 3
    assert after == before
