"""The CSRF cookie is the server's own (issue 11, item 3): signed with the secret key, and
``__Host-`` prefixed when the public URL is https."""

from __future__ import annotations

import httpx
import pytest_asyncio

from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    csrf_from,
    reset_rate_limits,
)
from web import csrf

PLANTED = "planted-by-a-sibling-subdomain-0123456789"


async def test_a_planted_cookie_value_gets_no_valid_token(client, operator):
    # given a cookie value the server never issued, planted in the victim's browser
    client.cookies.set(csrf.COOKIE, PLANTED, domain="relay.test")

    # when the attacker renders a form with it and replays the token with the planted value
    page = await client.get("/admin/login")
    token = csrf_from(page)
    assert PLANTED not in page.headers.get("set-cookie", ""), "a planted value is not adopted"
    client.cookies.clear()
    client.cookies.set(csrf.COOKIE, PLANTED, domain="relay.test")
    form = {"csrf_token": token, "api_key": operator.key}
    response = await client.post("/admin/login", data=form)

    # then the post is refused
    assert response.status_code == 403
    assert "relay_admin" not in response.headers.get("set-cookie", "")


async def test_the_issued_cookie_is_signed_and_its_form_passes(client, operator):
    page = await client.get("/admin/login")
    cookie = client.cookies.get(csrf.COOKIE)

    assert cookie and "." in cookie  # value.signature
    response = await client.post(
        "/admin/login", data={"csrf_token": csrf_from(page), "api_key": operator.key}
    )
    assert response.status_code == 303


@pytest_asyncio.fixture
async def https_client(app, settings, monkeypatch):
    monkeypatch.setattr(settings, "public_url", "https://relay.test")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://relay.test") as http:
        yield http


async def test_over_https_the_cookie_is_a_host_cookie(https_client, operator):
    page = await https_client.get("/admin/login")

    set_cookie = page.headers["set-cookie"]
    assert set_cookie.startswith(f"{csrf.HOST_COOKIE}=")
    assert "secure" in set_cookie.lower() and "path=/" in set_cookie.lower()
    assert "domain=" not in set_cookie.lower()
    response = await https_client.post(
        "/admin/login", data={"csrf_token": csrf_from(page), "api_key": operator.key}
    )
    assert response.status_code == 303
