"""GraphQL types of funnel reports."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry import relay

from server.reports import funnel as reports
from server.reports.sql import MAX_OPENINGS

COUNT_DESCRIPTIONS = {
    "rejections": "Rejections decided in the period (an undone rejection does not count).",
    "mails_sent": "Rejection mails handed to the mail server in the period.",
    "mails_bounced": "Rejection mails that failed for good (refused or given up), by the time "
    "of their last attempt.",
    "clicks": "Referral links opened for the first time in the period (people, not clicks).",
    "registrations": "Referrals whose person registered a profile in the period.",
    "qualified_referrals": "Referrals that qualified in the period (registered, shared the "
    "profile with the network, email new to the network).",
    "credits_earned": "Credits earned by settlement (one per ten qualified referrals).",
    "credits_spent": "Credits spent on introduction requests (a positive number).",
    "credits_refunded": "Credits given back for declined or expired introductions.",
    "credits_adjusted": "Net credits added (or removed, negative) by the operator.",
    "introductions_requested": "Introductions requested in the period.",
    "introductions_accepted": "Introductions the candidate accepted in the period.",
    "introductions_declined": "Introductions the candidate declined in the period.",
    "introductions_expired": "Introductions that expired unanswered in the period.",
    "hires_from_introductions": "Introduced candidates hired in the period.",
    "follow_ups_sent": "Follow-up mails to the talent pool sent in the period.",
    "opening_alerts_sent": "New-opening alerts to the talent pool sent in the period.",
    "reapplications": "Applications with source REAPPLICATION made in the period.",
}


def _counts_type() -> type:
    namespace: dict = {"__annotations__": {}}
    for name in reports.METRICS:
        namespace["__annotations__"][name] = int
        namespace[name] = strawberry.field(description=COUNT_DESCRIPTIONS[name])
    cls = type("ReportCounts", (), namespace)
    return strawberry.type(
        cls,
        description="Counts of one period (or one week of it), each read from stored, "
        "timestamped rows: a past period never changes.",
    )


ReportCounts = _counts_type()


@strawberry.type(description="The counts of one week (Monday to Sunday in the report's zone).")
class ReportWeek:
    week_start: date = strawberry.field(
        description="The Monday the week starts on, in the report's time zone; the first and "
        "last week count only what falls inside the period."
    )
    counts: ReportCounts = strawberry.field(description="The week's counts.")  # type: ignore[valid-type]


RATE_DESCRIPTIONS = {
    "click_rate": "Of the referral links mailed in the period, the share opened before the "
    "period ended.",
    "registration_rate": "Of the people who first opened their referral link in the period, "
    "the share who registered before the period ended (registrations through the company's "
    "/join link have no click and are not in this rate).",
    "qualification_rate": "Of the referrals registered in the period, the share that qualified "
    "(shared with the network, email new to it) before the period ended.",
    "introduction_rate": "紹介発生率: of the referrals that qualified in the period, the share "
    "whose person received an introduction request (from any company) before the period ended.",
    "follow_up_rate": "Of the follow-up mails that fell due in the period, the share delivered "
    "before it ended (the rest were held by the mail cap, withdrawn consent or failed).",
    "reapplication_rate": "Of the re-application links mailed to the talent pool in the period "
    "(one per opening offered in a follow-up or alert), the share used to re-apply before the "
    "period ended.",
    "acceptance_rate": "Of the introductions answered in the period (accepted, declined or "
    "expired), the share accepted.",
}


def _rates_type() -> type:
    namespace: dict = {"__annotations__": {}}
    for name, description in RATE_DESCRIPTIONS.items():
        namespace["__annotations__"][name] = float | None
        namespace[name] = strawberry.field(description=description)
    return strawberry.type(
        type("ReportRates", (), namespace),
        description="Rates of the period, each a share of its own base (between 0 and 1); "
        "null when the base is empty. A past period's rates never change.",
    )


ReportRates = _rates_type()


@strawberry.type(description="How many decided applications of an opening had one evaluation.")
class EvaluationCount:
    evaluation: int | None = strawberry.field(
        description="The evaluation (1 to 5); null for applications never evaluated."
    )
    count: int = strawberry.field(
        description="Applications of the opening rejected or passed in the period with it."
    )


@strawberry.type(description="How often one rejection reason was given for an opening.")
class RejectionReasonCount:
    code: str = strawberry.field(description="The reason's code; empty when none was recorded.")
    name_ja: str = strawberry.field(description="Japanese name of the reason.")
    name_en: str = strawberry.field(description="English name of the reason.")
    count: int = strawberry.field(description="Rejections with this reason in the period.")


@strawberry.type(description="One opening's funnel over the period.")
class OpeningFunnel:
    opening_id: relay.GlobalID = strawberry.field(description="The opening (an Opening ID).")
    title: str = strawberry.field(description="The opening's title.")
    applications: int = strawberry.field(description="Applications made in the period.")
    rejections: int = strawberry.field(description="Rejections decided in the period.")
    passed: int = strawberry.field(
        description="Applications that reached OFFERED or HIRED in the period (each once)."
    )
    pass_rate: float | None = strawberry.field(
        description="passed ÷ (passed + rejections); null when neither happened."
    )
    rejection_reasons: list[RejectionReasonCount] = strawberry.field(
        description="Reasons of the period's rejections (the reason recorded on each "
        "application), most frequent first."
    )
    evaluations: list[EvaluationCount] = strawberry.field(
        description="Evaluations of the applications decided (rejected, offered or hired) in "
        "the period, by evaluation, unevaluated last."
    )

    @classmethod
    def from_funnel(cls, funnel: reports.OpeningFunnel) -> OpeningFunnel:
        return cls(
            opening_id=relay.GlobalID("Opening", str(funnel.opening_id)),
            title=funnel.title,
            applications=funnel.applications,
            rejections=funnel.rejections,
            passed=funnel.passed,
            pass_rate=funnel.pass_rate,
            rejection_reasons=[
                RejectionReasonCount(
                    code=r.code, name_ja=r.name_ja, name_en=r.name_en, count=r.count
                )
                for r in funnel.reasons
            ],
            evaluations=[
                EvaluationCount(evaluation=e, count=n) for e, n in funnel.evaluations.items()
            ],
        )


@strawberry.type(
    description="The funnel over a period [from, to): counts, rates, weekly series, openings "
    "and estimated savings."
)
class Report:
    period_from: datetime = strawberry.field(
        name="from", description="Start of the period (inclusive, UTC)."
    )
    period_to: datetime = strawberry.field(name="to", description="End of the period (exclusive).")
    time_zone: str = strawberry.field(
        description="Time zone of the weeks: the company's, Asia/Tokyo for the network."
    )
    totals: ReportCounts = strawberry.field(description="Counts of the whole period.")  # type: ignore[valid-type]
    rates: ReportRates = strawberry.field(description="Rates of the whole period.")  # type: ignore[valid-type]
    weekly: list[ReportWeek] = strawberry.field(
        description="One entry per week the period touches, oldest first, zeros included."
    )
    openings: list[OpeningFunnel] = strawberry.field(
        description=f"Openings with applications, rejections or passes in the period, busiest "
        f"first, at most {MAX_OPENINGS}."
    )
    estimated_savings_yen: float = strawberry.field(
        description="hiresFromIntroductions × the hiring company's current agencyFeeYen "
        "setting, in whole yen (a Float so that sums above 2^31 fit)."
    )
    estimated_savings_per_hire_yen: float | None = strawberry.field(
        description="estimatedSavingsYen ÷ hiresFromIntroductions: the agency cost saved per "
        "hire through the network; null without hires."
    )

    @classmethod
    def from_report(cls, report: reports.Report) -> Report:
        return cls(
            period_from=report.period_from,
            period_to=report.period_to,
            time_zone=report.timezone,
            totals=ReportCounts(**report.totals),
            rates=ReportRates(**{name: report.rate(name) for name in RATE_DESCRIPTIONS}),
            weekly=[
                ReportWeek(week_start=w.start, counts=ReportCounts(**w.counts))
                for w in report.weeks
            ],
            openings=[OpeningFunnel.from_funnel(f) for f in report.openings],
            estimated_savings_yen=float(report.savings_yen),
            estimated_savings_per_hire_yen=report.savings_per_hire_yen,
        )
