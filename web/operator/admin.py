"""``/admin``: the operator's dashboard, server-rendered, behind an operator key login.

The login form takes an operator API key (CSRF-protected POST, rate-limited per address).
The session is server-side (``server.admin_sessions``): the cookie holds a random id (HttpOnly,
SameSite=Strict, limited to ``/admin``), the database its hash, its key and its end. Logout,
the key's revocation and :data:`SESSION_MAX_AGE` end it; every login makes a new id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import admin_sessions, audit, ratelimit, timezones
from server.companies.auth import AuthError, authenticate
from server.config import get_settings
from server.models import Company
from server.network import credits
from server.operator import console
from server.principal import Principal
from server.reports import funnel as reports
from server.webhooks.health import webhook_health
from web import charts, pages

COOKIE = "relay_admin"
SESSION_MAX_AGE = int(admin_sessions.MAX_AGE.total_seconds())
LOGINS = ratelimit.Limit("admin-login", limit=10, window=600)
WEEKS = 12
MAX_COMPANIES = 100
MAX_KEY_LENGTH = 200

FUNNEL = reports.METRICS
RATES = tuple(reports.RATES)
CHARTS = (
    ("funnel", ("mails_sent", "clicks", "registrations", "qualified_referrals")),
    ("credits", ("credits_earned", "credits_spent")),
    ("pool", ("rejections", "follow_ups_sent", "reapplications")),
    (
        "introductions",
        ("introductions_requested", "introductions_accepted", "hires_from_introductions"),
    ),
)


def _set_session(response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=get_settings().is_https,
        path="/admin",
    )


async def session_principal(request: Request) -> Principal | None:
    """The operator of the live server-side session this request's cookie names, if any."""
    return await admin_sessions.principal(request.cookies.get(COOKIE))


def _login_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    return pages.render(
        request,
        "admin_login.html",
        {"error": error},
        status_code=status_code,
        page_path="/admin/login",
    )


async def login_page(request: Request) -> Response:
    if await session_principal(request) is not None:
        return RedirectResponse("/admin", status_code=303)
    return _login_page(request)


async def login_submit(request: Request) -> Response:
    """Checks the posted key: only a live operator key opens a session."""
    form = await pages.guard_post(request, LOGINS, back="/admin/login")
    key = pages.text(form, "api_key").strip()
    if not key:
        return _login_page(request, "admin.login_missing", 422)
    if len(key) > MAX_KEY_LENGTH:
        return _login_page(request, "admin.login_invalid", 401)
    try:
        principal = await authenticate(f"Bearer {key}")
    except AuthError:
        return _login_page(request, "admin.login_invalid", 401)
    if not principal.is_operator:
        return _login_page(request, "admin.login_company", 403)
    await audit.record(principal, "admin.login", "ApiKey", principal.api_key_id)
    response = RedirectResponse("/admin", status_code=303)
    assert principal.api_key_id is not None
    # A new id at every login; the one the browser came with (if any) ends.
    session_id = await admin_sessions.start(principal.api_key_id, request.cookies.get(COOKIE))
    _set_session(response, session_id)
    return response


async def logout(request: Request) -> Response:
    await pages.guard_post(request, back="/admin")
    if session_id := request.cookies.get(COOKIE):
        await admin_sessions.end(session_id)
    response = RedirectResponse("/admin/login", status_code=303)
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict")
    return response


@dataclass(frozen=True)
class CompanyRow:
    company: Company
    figures: console.CompanyFigures
    quality: float | None


def period(now: datetime) -> tuple[datetime, datetime]:
    """The last :data:`WEEKS` weeks, Japan time, this (partial) week included."""
    tz = timezones.JAPAN
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    return start, now


async def _companies(principal: Principal) -> tuple[list[CompanyRow], int]:
    rows = await console.companies(principal).order_by("id").limit(MAX_COMPANIES)
    figures = await console.company_figures([c.id for c in rows])
    quality = {q.company_id: q.quality for q in await console.referral_quality(principal)}
    empty = console.CompanyFigures(0, 0, 0, None)
    table = [CompanyRow(c, figures.get(c.id, empty), quality.get(c.id)) for c in rows]
    return table, await console.companies(principal).count()


def _charts(report: reports.Report, t) -> list[charts.Chart]:
    weeks = [w.start for w in report.weeks]
    return [
        charts.bar_chart(
            key,
            t(f"admin.chart.{key}"),
            weeks,
            [(t(f"admin.metric.{m}"), [w.counts[m] for w in report.weeks]) for m in metrics],
        )
        for key, metrics in CHARTS
    ]


async def dashboard(request: Request) -> Response:
    principal = await session_principal(request)
    if principal is None:
        return RedirectResponse("/admin/login", status_code=303)
    now = datetime.now(UTC)
    start, end = period(now)
    report = await reports.network_report(principal, start, end)
    companies, company_count = await _companies(principal)
    return pages.render(
        request,
        "admin.html",
        {
            "report": report,
            "funnel": FUNNEL,
            "rates": [(name, report.rate(name)) for name in RATES],
            "charts": _charts(report, pages.t(request)),
            "queue": await console.mail_queue(principal, now),
            "webhooks": await webhook_health(principal, now),
            "companies": companies,
            "company_count": company_count,
            "max_companies": MAX_COMPANIES,
            "ledger_mismatches": len(await credits.ledger_check()),
            "period_end_day": (end - timedelta(microseconds=1)).astimezone(start.tzinfo).date(),
        },
        page_path="/admin",
    )


def routes() -> list[Route]:
    return [
        Route("/admin", dashboard, methods=["GET"]),
        Route("/admin/login", login_page, methods=["GET"]),
        Route("/admin/login", login_submit, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
    ]
