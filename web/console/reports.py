"""``/app/reports``: the company's funnel over a chosen period, the same figures as the
GraphQL ``report``, with every rate's definition, weekly charts and CSV of each table."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from server import timezones
from server.companies import accounts
from server.errors import DomainError
from server.principal import Principal
from server.reports import funnel as reports
from web import charts, pages
from web.console import view
from web.console.routing import page

# (chart key, its metrics): the weekly charts, drawn on the server.
CHARTS = (
    ("funnel", ("rejections", "mails_sent", "clicks", "registrations")),
    ("network", ("qualified_referrals", "credits_earned", "introductions_requested")),
    ("pool", ("follow_ups_sent", "opening_alerts_sent", "reapplications")),
)
KPIS = (
    "follow_up_rate",
    "click_rate",
    "registration_rate",
    "qualification_rate",
    "reapplication_rate",
    "introduction_rate",
    "acceptance_rate",
)
TABLES = ("totals", "weekly", "openings", "reasons", "evaluations")


def _date(text: str) -> date | None:
    """A date typed as YYYY-MM-DD (full-width digits too), within the reports' years."""
    try:
        value = date.fromisoformat(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return None
    return value if reports.FIRST_YEAR <= value.year <= reports.LAST_YEAR else None


def _period(request: Request, tz) -> tuple[date, date, bool]:
    """The first and last day asked for (both shown, both included); this month by default.
    The flag says the query asked for a period that is not a pair of dates in order."""
    today = datetime.now(tz).date()
    first, last = today.replace(day=1), today
    asked_from, asked_to = request.query_params.get("from"), request.query_params.get("to")
    if asked_from is None and asked_to is None:
        return first, last, False
    start, end = _date(asked_from or ""), _date(asked_to or "")
    if start is None or end is None or end < start:
        return first, last, True
    return start, end, False


def presets(today: date) -> list[tuple[str, date, date]]:
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    return [
        ("this_month", month, today),
        ("last_month", last_month_end.replace(day=1), last_month_end),
        ("last_90_days", today - timedelta(days=89), today),
        ("this_year", today.replace(month=1, day=1), today),
    ]


async def _report(request: Request, principal: Principal):
    """The report of the period asked for; of this month, flagged, when the core refuses it
    (longer than the reports allow)."""
    company = await accounts.get(principal, principal.require_company())
    tz = timezones.zone(company.timezone)
    first, last, bad = _period(request, tz)
    try:
        report = await reports.company_report(principal, *_bounds(first, last, tz))
    except DomainError:
        today = datetime.now(tz).date()
        first, last, bad = today.replace(day=1), today, True
        report = await reports.company_report(principal, *_bounds(first, last, tz))
    return report, first, last, bad, tz


def _bounds(first: date, last: date, tz) -> tuple[datetime, datetime]:
    """[first day's midnight, the day after the last's) in the company's time zone."""
    return datetime.combine(first, time(), tz), datetime.combine(
        last + timedelta(days=1), time(), tz
    )


@page("/app/reports")
async def report_page(request: Request, principal: Principal) -> Response:
    report, first, last, bad, tz = await _report(request, principal)
    translate = pages.t(request)
    query = f"from={first.isoformat()}&to={last.isoformat()}"
    return await view.render(
        request,
        principal,
        "console/reports.html",
        {
            "report": report,
            "first": first,
            "last": last,
            "bad_period": bad,
            "presets": presets(datetime.now(tz).date()),
            "metrics": reports.METRICS,
            "kpis": [(name, report.rate(name), *_rate_parts(report, name)) for name in KPIS],
            "reasons": report.reason_totals(),
            "evaluations": report.evaluation_totals(),
            "charts": [
                charts.bar_chart(
                    key,
                    translate(f"console.reports.chart.{key}"),
                    [w.start for w in report.weeks],
                    [
                        (translate(f"admin.metric.{m}"), [w.counts[m] for w in report.weeks])
                        for m in metrics
                    ],
                )
                for key, metrics in CHARTS
            ],
            "tables": TABLES,
            "query": query,
        },
        page_path="/app/reports",
    )


def _rate_parts(report: reports.Report, name: str) -> tuple[int, int]:
    base, reached = reports.RATES[name]
    return report.rate_counts[reached], report.rate_counts[base]


def _rows(report: reports.Report, table: str, lang: str) -> tuple[list[str], list[list]]:
    """A report table as CSV rows (header keys are the API's names)."""
    if table == "totals":
        return ["metric", "count"], [[m, report.totals[m]] for m in reports.METRICS]
    if table == "weekly":
        return ["week_start", *reports.METRICS], [
            [w.start.isoformat(), *(w.counts[m] for m in reports.METRICS)] for w in report.weeks
        ]
    if table == "openings":
        return ["opening", "applications", "rejections", "passed", "pass_rate"], [
            [f.title, f.applications, f.rejections, f.passed, _share(f.pass_rate)]
            for f in report.openings
        ]
    if table == "reasons":
        return ["code", "reason", "count"], [
            [r.code, r.name_ja if lang == "ja" else r.name_en, r.count]
            for r in report.reason_totals()
        ]
    return ["evaluation", "count"], [
        ["" if e is None else e, n] for e, n in report.evaluation_totals().items()
    ]


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


@page("/app/reports/{table}.csv")
async def report_csv(request: Request, principal: Principal) -> Response:
    table = request.path_params["table"]
    if table not in TABLES:
        return pages.error_page(
            request, "console.not_found_title", "console.not_found", status_code=404
        )
    report, first, last, _, _ = await _report(request, principal)
    header, rows = _rows(report, table, pages.lang(request))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    name = f"report-{table}-{first.isoformat()}-{last.isoformat()}.csv"
    # A byte-order mark: Excel opens UTF-8 with it (Japanese text stays readable).
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
