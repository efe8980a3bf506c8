"""``/app``: where the company stands: this month's funnel (the GraphQL ``report``'s figures),
credits and the way to the next one, introductions awaiting an answer, bounced mails and the
last weeks as a chart."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from server.network import settlement
from server.principal import Principal
from server.reports import dashboard as figures
from server.reports import funnel
from web import charts, pages
from web.console import view
from web.console.routing import page

# The chart's series, each a metric of the report (at most four: admin.css colours).
CHART = ("rejections", "mails_sent", "clicks", "registrations")
# Each metric shown, with its label's key.
LABELS = {
    "rejections": "console.dashboard.metric.rejections",
    "mails_sent": "console.dashboard.metric.mails_sent",
    "clicks": "console.dashboard.metric.clicks",
    "registrations": "console.dashboard.metric.registrations",
    "qualified_referrals": "console.dashboard.metric.qualified_referrals",
    "credits_earned": "console.dashboard.metric.credits_earned",
}


def _chart(report: funnel.Report, t) -> charts.Chart:
    return charts.bar_chart(
        "weeks",
        t("console.dashboard.chart_title", weeks=figures.WEEKS),
        [w.start for w in report.weeks],
        [(t(LABELS[m]), [w.counts[m] for w in report.weeks]) for m in CHART],
    )


# The report's rate (its own cohort: never above 1) shown under a step.
RATE_OF = {
    "clicks": "click_rate",
    "registrations": "registration_rate",
    "qualified_referrals": "qualification_rate",
}


def _steps(report: funnel.Report) -> list[tuple[str, int, float | None]]:
    """The funnel's steps: (metric, count, the report's rate into it or None)."""
    return [
        (m, report.totals[m], report.rate(RATE_OF[m]) if m in RATE_OF else None)
        for m in figures.FUNNEL
    ]


@page("/app")
async def dashboard(request: Request, principal: Principal) -> Response:
    now = datetime.now(UTC)
    board = await figures.dashboard(principal, now)
    progress = await settlement.progress(principal.require_company())
    per_credit = settlement.REFERRALS_PER_CREDIT
    return await view.render(
        request,
        principal,
        "console/dashboard.html",
        {
            "board": board,
            "steps": _steps(board.month),
            "progress": progress,
            "toward": min(progress.toward_next_credit, per_credit),
            "per_credit": per_credit,
            "weekly": _chart(board.weeks, pages.t(request)),
            "labels": LABELS,
            "month_from": board.month.period_from,
        },
        page_path="/app",
    )
