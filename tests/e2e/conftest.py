"""Browser tests: the app served by uvicorn on this event loop, driven by Debian's Chromium.

The test app (session-scoped, lifespan already entered) is served as an asyncio task on the
same loop, so the pages and the test share one database and one Redis. Screenshots go to
``test-artifacts/screenshots/`` (gitignored).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
import pytest_asyncio
import uvicorn

from relay.embedded import free_port
from server.ratelimit import prefix

CHROMIUM = os.environ.get("RELAY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
WIDTHS = {"phone": 390, "desktop": 1280}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "no_javascript: run the page with JavaScript disabled")


@pytest_asyncio.fixture(scope="session")
async def live_url(app):
    """Base URL of the app served on 127.0.0.1 (a free port) for the whole session."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    else:
        raise RuntimeError("uvicorn did not start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def _has_chromium() -> bool:
    return Path(CHROMIUM).exists()


@pytest_asyncio.fixture(scope="session")
async def browser():
    if not _has_chromium():
        # Fail, never skip: a browser test that did not run proves nothing (.ci/run installs it).
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture
async def page(browser, live_url, request):
    """A fresh browser context (no cookies) with a phone-sized page; errors are collected.

    Tests marked ``no_javascript`` run with JavaScript disabled: the pages need none.
    """
    context = await browser.new_context(
        base_url=live_url,
        viewport={"width": WIDTHS["phone"], "height": 844},
        locale="ja-JP",
        java_script_enabled=request.node.get_closest_marker("no_javascript") is None,
    )
    tab = await context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:
        # A page answered with 404/422 on purpose is logged as a failed load; failed
        # stylesheets, icons or images are caught by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            errors.append(f"{response.status} {response.url}")

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("response", on_response)
    tab.console_errors = errors  # type: ignore[attr-defined]  # CSP violations land here
    yield tab
    await context.close()


@pytest_asyncio.fixture(autouse=True)
async def reset_rate_limits(app, redis):
    yield
    keys = [key async for key in app.state.redis.scan_iter(match=f"{prefix()}:*")]
    if keys:
        await app.state.redis.delete(*keys)


class Screenshots:
    """Full-page screenshots of each page at phone and desktop width."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.taken: list[Path] = []

    async def take(self, page, name: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for label, width in WIDTHS.items():
            await page.set_viewport_size({"width": width, "height": 900})
            path = self.directory / f"{name}-{label}-{width}.png"
            await page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
        await page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})

    def publish(self, names: list[str], target: Path) -> None:
        """Copies a handful to ``docs/screenshots/`` for the README.

        Old copies of these names go first; other tests' screenshots stay.
        """
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.png"):
            if stale.stem.rsplit("-", 2)[0] in names:
                stale.unlink()
        for path in self.taken:
            if path.stem.rsplit("-", 2)[0] in names:
                shutil.copyfile(path, target / path.name)


@pytest.fixture
def screenshots() -> Screenshots:
    return Screenshots(SCREENSHOTS)
