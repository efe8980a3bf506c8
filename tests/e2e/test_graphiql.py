"""GraphiQL (development only) runs from the application's own files: no CDN, same-origin CSP."""

from __future__ import annotations

import asyncio
import json
import subprocess
from urllib.parse import urlencode

import pytest_asyncio
import uvicorn

from relay.app import create_app
from relay.embedded import free_port
from server.companies import api_keys
from server.config import Environment
from tests.e2e.conftest import ROOT


@pytest_asyncio.fixture
async def dev_url(app, settings):
    """The app as `relay up` builds it (development: GraphiQL on), on this run's services."""
    dev_app = create_app(settings.model_copy(update={"env": Environment.DEVELOPMENT}))
    dev_app.state.redis = app.state.redis  # Tortoise is already up for the test app
    dev_app.state.settings = settings
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(dev_app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), task.result()
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_graphiql_renders_and_runs_a_query_with_no_network_beyond_the_app(browser, dev_url):
    key = await api_keys.create_operator_key("graphiql")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere: list[str] = []

    async def only_the_app(route) -> None:
        if route.request.url.startswith(dev_url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_app)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    query = {
        "q": "{ __typename }",
        "headers": json.dumps({"Authorization": f"Bearer {key}"}),
    }
    response = await page.goto(f"{dev_url}/graphql?{urlencode(query)}")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp

    await page.locator(".graphiql-execute-button").click(timeout=15000)
    result = page.locator(".graphiql-response")
    await result.get_by_text('"__typename": "Query"').wait_for(timeout=15000)
    assert elsewhere == []
    assert errors == []
    await context.close()


def test_vendored_files_match_their_checksums():
    done = subprocess.run(
        [str(ROOT / ".ci" / "vendor-graphiql"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sums = (ROOT / "web" / "static" / "graphiql" / "SHA256SUMS").read_text()
    for name in ("graphiql.min.js", "react.production.min.js", "react-dom.production.min.js"):
        assert name in sums
