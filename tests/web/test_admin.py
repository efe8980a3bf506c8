"""``/admin``: operator key login, the server-side session, logout, refusals."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from server.companies import api_keys
from server.models import AdminSession, ApiKey, AuditEvent
from tests.fixtures.graphql import OPERATOR
from tests.web.candidate_helpers import (  # noqa: F401  (reset_rate_limits is autouse)
    csrf_from,
    post_form,
    reset_rate_limits,
)
from web import charts
from web.operator import admin


async def login(client, key: str):
    return await post_form(client, "/admin/login", {"api_key": key})


async def test_the_dashboard_asks_for_a_login_first(client):
    response = await client.get("/admin")

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    page = await client.get("/admin/login")
    assert page.status_code == 200
    assert "運営者ログイン" in page.text
    assert 'type="password"' in page.text


async def test_an_operator_key_opens_a_strict_http_only_session(client, operator, company_a):
    # when
    response = await login(client, operator.key)

    # then
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{admin.COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/admin", "Max-Age=28800"):
        assert attribute.lower() in cookie.lower(), attribute
    assert operator.key not in cookie  # only the signed key id, never the key
    page = await client.get("/admin")
    assert page.status_code == 200
    assert "ネットワークの状況" in page.text
    assert "株式会社エー" in page.text
    assert page.text.count("<svg") == len(admin.CHARTS)
    assert page.headers["cache-control"] == "no-store"
    prefix = operator.key.removeprefix("rk_").split("_", 1)[0]
    key = await ApiKey.get(prefix=prefix)
    assert await AuditEvent.filter(action="admin.login", api_key_id=key.id).count() == 1


async def test_company_and_bad_keys_are_refused_with_a_form_message(client, company_a):
    company = await login(client, company_a.key)
    assert company.status_code == 403
    assert "これは企業の API キーです" in company.text
    assert admin.COOKIE not in company.headers.get("set-cookie", "")

    bad = await login(client, "rk_nothing_here")
    assert bad.status_code == 401
    assert "この API キーは無効です" in bad.text
    assert 'aria-invalid="true"' in bad.text

    empty = await login(client, "  ")
    assert empty.status_code == 422

    english = await client.post(
        "/admin/login?lang=en",
        data={"csrf_token": csrf_from(await client.get("/admin/login")), "api_key": company_a.key},
    )
    assert "This is a company&#39;s API key" in english.text
    assert (await client.get("/admin")).status_code == 303


async def test_a_login_without_the_csrf_token_is_refused(client, operator):
    await client.get("/admin/login")

    response = await client.post("/admin/login", data={"api_key": operator.key})

    assert response.status_code == 403
    assert admin.COOKIE not in response.headers.get("set-cookie", "")


async def test_a_forged_or_revoked_session_is_no_session(client):
    raw = await api_keys.create_operator_key("short-lived")
    await login(client, raw)
    assert (await client.get("/admin")).status_code == 200

    prefix = raw.removeprefix("rk_").split("_", 1)[0]
    await api_keys.revoke(OPERATOR, (await ApiKey.get(prefix=prefix)).id)
    assert (await client.get("/admin")).status_code == 303

    client.cookies.set(admin.COOKIE, "eyJrIjoxfQ.forged.signature", path="/admin")
    assert (await client.get("/admin")).status_code == 303


async def test_logout_ends_the_session(client, operator):
    await login(client, operator.key)
    page = await client.get("/admin")

    response = await client.post("/admin/logout", data={"csrf_token": csrf_from(page)})

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    assert (await client.get("/admin")).status_code == 303


def test_the_dashboard_period_is_twelve_weeks_from_a_monday_in_japan():
    # Sunday 2026-03-01 20:00 UTC is already Monday 2 March in Tokyo
    start, end = admin.period(datetime(2026, 3, 1, 20, 0, tzinfo=UTC))

    assert start.isoformat() == "2025-12-15T00:00:00+09:00"
    assert start.weekday() == 0
    assert end == datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def test_bar_chart_scales_bars_to_a_round_maximum():
    weeks = [date(2026, 3, 2), date(2026, 3, 9)]

    chart = charts.bar_chart("x", "X", weeks, [("a", [7, 0]), ("b", [3, 10])])

    assert [t.label for t in chart.ticks] == ["0", "5", "10", "15", "20"]
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 10
    assert tallest.y + tallest.height == chart.baseline
    zero = next(b for b in chart.bars if b.value == 0)
    assert zero.height == 0
    assert chart.total == [7, 13]
    assert [b.series for b in chart.bars] == [0, 1, 0, 1]


# --- server-side, revocable sessions (issue 11, item 2) ---------------------------------------


def _session_cookie(response) -> str:
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{admin.COOKIE}=")
    return cookie.split(";", 1)[0].split("=", 1)[1]


def _replay(client, session_id: str) -> None:
    client.cookies.clear()
    client.cookies.set(admin.COOKIE, session_id, domain="relay.test", path="/admin")


async def test_a_session_cookie_replayed_after_logout_opens_nothing(client, operator):
    session_id = _session_cookie(await login(client, operator.key))
    page = await client.get("/admin")

    await client.post("/admin/logout", data={"csrf_token": csrf_from(page)})
    _replay(client, session_id)

    assert (await client.get("/admin")).status_code == 303
    assert await AdminSession.filter(ended_at__isnull=True).count() == 0


async def test_revoking_the_key_ends_its_sessions_in_the_database(client):
    raw = await api_keys.create_operator_key("revoked-later")
    session_id = _session_cookie(await login(client, raw))
    key = await ApiKey.get(prefix=raw.removeprefix("rk_").split("_", 1)[0])

    await api_keys.revoke(OPERATOR, key.id)
    _replay(client, session_id)

    assert (await client.get("/admin")).status_code == 303
    assert await AdminSession.filter(api_key_id=key.id, ended_at__isnull=True).count() == 0


async def test_an_expired_session_opens_nothing(client, operator):
    session_id = _session_cookie(await login(client, operator.key))
    assert (await client.get("/admin")).status_code == 200

    await AdminSession.all().update(expires_at=datetime.now(UTC) - timedelta(seconds=1))

    assert (await client.get("/admin")).status_code == 303
    _replay(client, session_id)
    assert (await client.get("/admin")).status_code == 303


async def test_the_session_id_rotates_at_login_and_the_old_one_ends(client, operator):
    first = _session_cookie(await login(client, operator.key))

    # a second login from the same browser (the dashboard's form carries a CSRF token)
    form = {"csrf_token": csrf_from(await client.get("/admin")), "api_key": operator.key}
    second = _session_cookie(await client.post("/admin/login", data=form))

    assert first != second
    assert (await client.get("/admin")).status_code == 200
    _replay(client, first)
    assert (await client.get("/admin")).status_code == 303


async def test_the_cookie_names_a_random_session_and_only_its_hash_is_stored(client, operator):
    session_id = _session_cookie(await login(client, operator.key))

    stored = await AdminSession.all().values_list("session_hash", flat=True)

    assert len(session_id) >= 40 and session_id not in stored
    assert stored == [hashlib.sha256(session_id.encode()).hexdigest()]
