"""Personal tokens never reach the access log (issue 11, item 4): unit rules, then the real
server's log."""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import sys
import time

import httpx

from relay.embedded import free_port
from server.redact import RedactTokens, redact_links, redact_paths

TOKEN = secrets.token_urlsafe(32)
PATHS = [
    f"/me/{TOKEN}",
    f"/me/{TOKEN}/profile",
    f"/register/{TOKEN}",
    f"/me/introductions/{TOKEN}/accept",
    f"/r/{TOKEN}",
    f"/a/{TOKEN}",
    f"/c/{TOKEN}/yes",
    f"/u/{TOKEN}",
    f"/join/confirm/{TOKEN}",
]


def test_every_token_path_is_redacted_and_other_paths_stay():
    for path in PATHS:
        assert TOKEN not in redact_paths(path), path
        assert "[redacted]" in redact_paths(path)
    for path in ("/me/sent", "/me/erased", "/join/abcdEFGH1234", "/admin/login", "/static/x.css"):
        assert redact_paths(path) == path


def test_the_filter_redacts_uvicorns_access_record_arguments():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/me/{TOKEN}?lang=en", "1.1", 200),
        None,
    )

    assert RedactTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /me/[redacted]?lang=en HTTP/1.1" 200'


def test_links_are_redacted_only_on_our_own_site():
    text = f"https://relay.example.jp/me/{TOKEN} https://evil.example/me/{TOKEN}"

    assert redact_links(text, "https://relay.example.jp") == (
        f"https://relay.example.jp/me/[redacted] https://evil.example/me/{TOKEN}"
    )


def test_the_running_servers_access_log_holds_no_token(app):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "relay.cli", "serve", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, server)
        for path in PATHS:
            httpx.get(url + path, timeout=10)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]

    assert "GET /healthz" in output, output  # the access log is on
    assert TOKEN not in output, output
    assert output.count("[redacted]") >= len(PATHS), output


def _wait_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")
