"""``/admin``: the operator's dashboard, server-rendered, behind an operator key login.

The login form takes an operator API key (CSRF-protected POST, rate-limited per address).
The session is a cookie holding the key's id signed with ``settings.secret_key``
(itsdangerous, timestamped, at most :data:`SESSION_MAX_AGE`), HttpOnly, SameSite=Strict,
limited to ``/admin``. Every request re-reads the key: a revoked key ends its sessions at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import audit, auth, console, credits, ratelimit, reports
from server.auth import AuthError, authenticate
from server.config import get_settings
from server.models import Company
from server.principal import Principal
from server.webhooks.health import webhook_health
from web import charts, pages

COOKIE = "relay_admin"
SESSION_MAX_AGE = 8 * 3600
_SALT = "career-relay.admin-session.v1"
LOGINS = ratelimit.Limit("admin-login", limit=10, window=600)
WEEKS = 12
MAX_COMPANIES = 100
MAX_KEY_LENGTH = 200

FUNNEL = (
    "rejections",
    "mails_sent",
    "mails_bounced",
    "clicks",
    "registrations",
    "qualified_referrals",
    "credits_earned",
    "credits_spent",
    "credits_refunded",
    "introductions_requested",
    "introductions_accepted",
    "introductions_declined",
    "introductions_expired",
    "hires_from_introductions",
    "follow_ups_sent",
    "opening_alerts_sent",
    "reapplications",
)
RATES = (
    "click_rate",
    "registration_rate",
    "follow_up_rate",
    "reapplication_rate",
    "acceptance_rate",
)
CHARTS = (
    ("funnel", ("mails_sent", "clicks", "registrations", "qualified_referrals")),
    ("credits", ("credits_earned", "credits_spent")),
    ("pool", ("rejections", "follow_ups_sent", "reapplications")),
    (
        "introductions",
        ("introductions_requested", "introductions_accepted", "hires_from_introductions"),
    ),
)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=_SALT)


def _set_session(response: Response, api_key_id: int) -> None:
    response.set_cookie(
        COOKIE,
        _serializer().dumps({"k": api_key_id}),
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="strict",
        secure=get_settings().public_url.startswith("https://"),
        path="/admin",
    )


async def session_principal(request: Request) -> Principal | None:
    """The operator whose signed session cookie this request carries, if it is still valid."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 500:
        return None
    try:
        data = _serializer().loads(raw, max_age=SESSION_MAX_AGE)
    except BadData:
        return None
    key_id = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key_id, int):
        return None
    return await auth.operator_session(key_id)


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
    if isinstance(form, Response):
        return form
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
    _set_session(response, principal.api_key_id)
    return response


async def logout(request: Request) -> Response:
    form = await pages.guard_post(request, back="/admin")
    if isinstance(form, Response):
        return form
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
    tz = reports.zone(reports.DEFAULT_TIMEZONE)
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
            "rates": [(name, getattr(report, name)) for name in RATES],
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
