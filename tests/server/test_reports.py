"""Reports: a seeded history of two companies over several weeks, every number of the report
checked against a count made here in plain Python over the seeded facts."""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from strawberry import relay

from server.companies import api_keys
from server.errors import DomainError
from server.models import (
    Applicant,
    Application,
    ApplicationEvent,
    ApplicationSource,
    ApplicationStatus,
    Candidate,
    CandidateToken,
    Company,
    CreditEntry,
    CreditKind,
    Introduction,
    IntroductionStatus,
    MailKind,
    MailMessage,
    MailStatus,
    Opening,
    Referral,
    ReferralSource,
    RejectionReason,
    TokenPurpose,
)
from server.network import credits
from server.reports import funnel as reports
from tests.fixtures.graphql import OPERATOR, Caller

JST = ZoneInfo("Asia/Tokyo")
# Monday 2026-03-02 00:00 JST to Monday 2026-03-30 00:00 JST: four whole weeks.
FROM = datetime(2026, 3, 2, tzinfo=JST)
TO = datetime(2026, 3, 30, tzinfo=JST)
SPAN_START = FROM - timedelta(days=6)  # facts also fall before and after the period
SPAN_END = TO + timedelta(days=6)

REPORT = """
query($from: DateTime!, $to: DateTime!) {
  report(from: $from, to: $to) { ...R }
}
"""
NETWORK = """
query($from: DateTime!, $to: DateTime!) {
  operator { networkReport(from: $from, to: $to) { ...R } }
}
"""
FIELDS = """
fragment R on Report {
  from to timeZone estimatedSavingsYen estimatedSavingsPerHireYen
  totals { ...C }
  rates { followUpRate clickRate registrationRate qualificationRate introductionRate
          reapplicationRate acceptanceRate }
  weekly { weekStart counts { ...C } }
  openings { openingId title applications rejections passed passRate
             rejectionReasons { code nameJa nameEn count } evaluations { evaluation count } }
}
fragment C on ReportCounts {
  rejections mailsSent mailsBounced clicks registrations qualifiedReferrals
  creditsEarned creditsSpent creditsRefunded creditsAdjusted
  introductionsRequested introductionsAccepted introductionsDeclined introductionsExpired
  hiresFromIntroductions followUpsSent openingAlertsSent reapplications
}
"""
CAMEL = {
    "rejections": "rejections",
    "mails_sent": "mailsSent",
    "mails_bounced": "mailsBounced",
    "clicks": "clicks",
    "registrations": "registrations",
    "qualified_referrals": "qualifiedReferrals",
    "credits_earned": "creditsEarned",
    "credits_spent": "creditsSpent",
    "credits_refunded": "creditsRefunded",
    "credits_adjusted": "creditsAdjusted",
    "introductions_requested": "introductionsRequested",
    "introductions_accepted": "introductionsAccepted",
    "introductions_declined": "introductionsDeclined",
    "introductions_expired": "introductionsExpired",
    "hires_from_introductions": "hiresFromIntroductions",
    "follow_ups_sent": "followUpsSent",
    "opening_alerts_sent": "openingAlertsSent",
    "reapplications": "reapplications",
}


@dataclass
class Fact:
    """One thing that happened, as the test knows it."""

    metric: str
    company_id: int
    at: datetime
    amount: int = 1
    opening_id: int | None = None
    reason_code: str | None = None


@dataclass
class History:
    facts: list[Fact] = field(default_factory=list)
    passes: list[tuple[int, int, int, datetime]] = field(default_factory=list)  # co, op, app, at
    applications: list[tuple[int, int, datetime]] = field(default_factory=list)  # co, op, at
    fees: dict[int, int] = field(default_factory=dict)
    titles: dict[int, str] = field(default_factory=dict)
    reasons: dict[str, tuple[str, str]] = field(default_factory=dict)
    # one per referral: company, mailed, clicked, registered, qualified, introduction requested
    referrals: list[tuple] = field(default_factory=list)
    follow_ups: list[tuple] = field(default_factory=list)  # company, created, sent
    reapply_links: list[tuple] = field(default_factory=list)  # company, created, used
    evaluations: dict[int, int | None] = field(default_factory=dict)  # application -> evaluation
    decisions: list[tuple[int, int, int, datetime]] = field(default_factory=list)  # co, op, app


class Seeder:
    def __init__(
        self,
        rng: random.Random,
        history: History,
        start: datetime = SPAN_START,
        end: datetime = SPAN_END,
    ):
        self.rng = rng
        self.h = history
        self.n = 0
        self.start, self.end = start, end

    def at(self) -> datetime:
        """A random time of the seeded span."""
        seconds = self.rng.randrange(int((self.end - self.start).total_seconds()))
        return (self.start + timedelta(seconds=seconds)).astimezone(UTC)

    def _uid(self) -> str:
        self.n += 1
        return f"{self.n}-{secrets.token_hex(4)}"

    async def company(self, slug: str, fee: int) -> tuple[Company, list[Opening], list]:
        company = await Company.create(
            name=slug, slug=slug, join_code=slug, agency_fee_yen=fee, timezone="Asia/Tokyo"
        )
        self.h.fees[company.id] = fee
        reasons = []
        for code, ja, en in (("skills", "スキル不足", "Skills"), ("fit", "社風", "Culture fit")):
            reasons.append(
                await RejectionReason.create(company=company, code=code, name_ja=ja, name_en=en)
            )
            self.h.reasons[code] = (ja, en)
        openings = []
        for i in range(3):
            opening = await Opening.create(company=company, title=f"{slug} opening {i}")
            self.h.titles[opening.id] = opening.title
            openings.append(opening)
        return company, openings, reasons

    async def application(
        self, company: Company, opening: Opening, at: datetime, source=ApplicationSource.DIRECT
    ) -> Application:
        uid = self._uid()
        applicant = await Applicant.create(
            company=company, name=f"a{uid}", email=f"a{uid}@x.jp", email_normalized=f"a{uid}@x.jp"
        )
        evaluation = self.rng.choice([None, 1, 2, 3, 4, 5])
        app = await Application.create(
            company=company,
            applicant=applicant,
            opening=opening,
            applied_at=at,
            source=source,
            evaluation=evaluation,
        )
        self.h.evaluations[app.id] = evaluation
        await ApplicationEvent.create(
            company=company, application=app, status=ApplicationStatus.APPLIED, at=at
        )
        self.h.applications.append((company.id, opening.id, at))
        if source == ApplicationSource.REAPPLICATION:
            self.h.facts.append(Fact("reapplications", company.id, at))
        return app

    async def rejection(self, company, opening, reason, *, undone: bool = False) -> None:
        applied = self.at()
        rejected = applied + timedelta(hours=self.rng.randrange(1, 200))
        app = await self.application(company, opening, applied)
        app.status, app.rejection_reason_id = ApplicationStatus.REJECTED, reason.id
        await app.save()
        await ApplicationEvent.create(
            company=company, application=app, status=ApplicationStatus.REJECTED, at=rejected
        )
        if undone:
            await ApplicationEvent.create(
                company=company,
                application=app,
                status=ApplicationStatus.IN_REVIEW,
                at=rejected + timedelta(minutes=5),
            )
            return
        self.h.facts.append(Fact("rejections", company.id, rejected, 1, opening.id, reason.code))
        self.h.decisions.append((company.id, opening.id, app.id, rejected))
        await self.referral_and_mail(company, rejected)

    async def referral_and_mail(self, company, rejected: datetime) -> None:
        uid = self._uid()
        fate = self.rng.random()
        sent = rejected + timedelta(minutes=self.rng.randrange(1, 90))
        clicked = sent + timedelta(hours=self.rng.randrange(1, 100)) if fate < 0.7 else None
        registered = (
            clicked + timedelta(minutes=self.rng.randrange(1, 600))
            if clicked and fate < 0.5
            else None
        )
        qualified = registered if registered and fate < 0.4 else None
        bounced = fate > 0.85
        candidate = None
        introduced = None
        if registered:
            candidate = await Candidate.create(email_normalized=f"rc{uid}@x.jp")
            if qualified and self.rng.random() < 0.6:
                introduced = qualified + timedelta(days=self.rng.randrange(1, 20))
                await self.introduce(company, candidate, introduced)
        self.h.referrals.append(
            (company.id, None if bounced else sent, clicked, registered, qualified, introduced)
        )
        referral = await Referral.create(
            candidate=candidate,
            company=company,
            email_normalized=f"r{uid}@x.jp",
            token_hash=secrets.token_hex(32),
            expires_at=rejected + timedelta(days=90),
            mailed_at=None if bounced else sent,
            first_clicked_at=clicked,
            registered_at=registered,
            qualified_at=qualified,
        )
        await MailMessage.create(
            kind=MailKind.REJECTION,
            company=company,
            referral=referral,
            recipient=f"r{uid}@x.jp",
            subject="s",
            body_text="b",
            dedupe_key=f"rej:{uid}",
            send_after=rejected,
            status=MailStatus.FAILED if bounced else MailStatus.SENT,
            claimed_at=sent,
            sent_at=None if bounced else sent,
        )
        self.h.facts.append(Fact("mails_bounced" if bounced else "mails_sent", company.id, sent))
        for metric, at in (
            ("clicks", clicked),
            ("registrations", registered),
            ("qualified_referrals", qualified),
        ):
            if at is not None:
                self.h.facts.append(Fact(metric, company.id, at))

    async def introduce(self, company, candidate, requested: datetime) -> None:
        opening = await Opening.filter(company_id=company.id).first()
        intro = await Introduction.create(
            company=company, opening=opening, candidate=candidate, expires_at=requested
        )
        await Introduction.filter(id=intro.id).update(requested_at=requested)
        self.h.facts.append(Fact("introductions_requested", company.id, requested))

    async def reapply_link(self, company) -> None:
        created = self.at()
        used = (
            created + timedelta(days=self.rng.randrange(1, 9)) if self.rng.random() < 0.4 else None
        )
        token = await CandidateToken.create(
            purpose=TokenPurpose.REAPPLY,
            token_hash=secrets.token_hex(32),
            company=company,
            expires_at=created + timedelta(days=30),
            used_at=used,
        )
        await CandidateToken.filter(id=token.id).update(created_at=created)
        self.h.reapply_links.append((company.id, created, used))

    async def pool_mail(self, company, kind: MailKind, status: MailStatus) -> None:
        uid = self._uid()
        at = self.at()
        mail = await MailMessage.create(
            kind=kind,
            company=company,
            recipient=f"p{uid}@x.jp",
            subject="s",
            body_text="b",
            dedupe_key=f"pool:{uid}",
            send_after=at,
            status=status,
            sent_at=at if status == MailStatus.SENT else None,
        )
        await MailMessage.filter(id=mail.id).update(created_at=at)
        if kind == MailKind.FOLLOW_UP:
            self.h.follow_ups.append((company.id, at, at if status == MailStatus.SENT else None))
        if status == MailStatus.SENT:
            metric = "follow_ups_sent" if kind == MailKind.FOLLOW_UP else "opening_alerts_sent"
            self.h.facts.append(Fact(metric, company.id, at))

    async def credit(
        self, company, kind: CreditKind, delta: int, at: datetime | None = None
    ) -> None:
        at = at or self.at()
        entry, _ = await credits.post(company.id, delta, kind, f"seed:{self._uid()}")
        await CreditEntry.filter(id=entry.id).update(created_at=at)
        metric = {
            CreditKind.SETTLEMENT: "credits_earned",
            CreditKind.INTRODUCTION: "credits_spent",
            CreditKind.REFUND: "credits_refunded",
            CreditKind.ADJUSTMENT: "credits_adjusted",
        }[kind]
        self.h.facts.append(
            Fact(metric, company.id, at, -delta if kind == "INTRODUCTION" else delta)
        )

    async def introduction(self, company, opening, status, *, hired: bool = False) -> None:
        uid = self._uid()
        candidate = await Candidate.create(email=f"c{uid}@x.jp", email_normalized=f"c{uid}@x.jp")
        requested = self.at()
        responded = requested + timedelta(days=self.rng.randrange(1, 10))
        expires = requested + timedelta(days=14)
        answered = status in (IntroductionStatus.ACCEPTED, IntroductionStatus.DECLINED)
        hired_at = responded + timedelta(days=self.rng.randrange(3, 20)) if hired else None
        intro = await Introduction.create(
            company=company,
            opening=opening,
            candidate=candidate,
            status=status,
            expires_at=expires,
            responded_at=responded if answered else None,
            hired_at=hired_at,
        )
        await Introduction.filter(id=intro.id).update(requested_at=requested)
        self.h.facts.append(Fact("introductions_requested", company.id, requested))
        if status != IntroductionStatus.REQUESTED:
            at = responded if answered else expires
            self.h.facts.append(Fact(f"introductions_{status.value.lower()}", company.id, at))
        if hired_at:
            self.h.facts.append(Fact("hires_from_introductions", company.id, hired_at))

    async def passed(self, company, opening) -> None:
        applied = self.at()
        app = await self.application(company, opening, applied)
        at = applied + timedelta(days=3)
        for status in (ApplicationStatus.OFFERED, ApplicationStatus.HIRED):
            await ApplicationEvent.create(company=company, application=app, status=status, at=at)
            self.h.passes.append((company.id, opening.id, app.id, at))
            self.h.decisions.append((company.id, opening.id, app.id, at))
            at += timedelta(days=2)


async def seed_history(seed: int = 7) -> tuple[History, list[Company]]:
    rng = random.Random(seed)
    history = History()
    s = Seeder(rng, history)
    made = [await s.company("alpha", 1_200_000), await s.company("beta", 900_000)]
    for company, openings, reasons in made:
        for _ in range(30):
            await s.rejection(company, rng.choice(openings), rng.choice(reasons))
        for _ in range(4):
            await s.rejection(company, rng.choice(openings), reasons[0], undone=True)
        for _ in range(8):
            await s.passed(company, rng.choice(openings))
        for _ in range(6):
            await s.application(company, rng.choice(openings), s.at())
        for _ in range(10):
            await s.application(
                company, rng.choice(openings), s.at(), ApplicationSource.REAPPLICATION
            )
        for kind in (MailKind.FOLLOW_UP, MailKind.OPENING_ALERT):
            for _ in range(12):
                await s.pool_mail(company, kind, MailStatus.SENT)
            await s.pool_mail(company, kind, MailStatus.PENDING)
        for _ in range(12):
            await s.reapply_link(company)
        for _ in range(6):
            await s.credit(company, CreditKind.SETTLEMENT, 1)
        await s.credit(company, CreditKind.ADJUSTMENT, 3)
        await s.credit(company, CreditKind.ADJUSTMENT, -1, FROM + timedelta(days=9))
        for _ in range(4):
            await s.credit(company, CreditKind.INTRODUCTION, -1)
        await s.credit(company, CreditKind.REFUND, 1)
        await s.credit(company, CreditKind.REFUND, 1, FROM + timedelta(days=16))
        for status in IntroductionStatus:
            for _ in range(3):
                await s.introduction(company, openings[0], status)
        for _ in range(3):
            await s.introduction(company, openings[1], IntroductionStatus.ACCEPTED, hired=True)
    # A hire at the very start of the period counts; one at its very end does not.
    alpha, alpha_openings, _ = made[0]
    for hired_at in (FROM, TO):
        candidate = await Candidate.create(email_normalized=f"edge{hired_at.day}@x.jp")
        long_ago = hired_at - timedelta(days=300)
        intro = await Introduction.create(
            company=alpha,
            opening=alpha_openings[2],
            candidate=candidate,
            status=IntroductionStatus.ACCEPTED,
            expires_at=long_ago,
            responded_at=long_ago,
            hired_at=hired_at,
        )
        await Introduction.filter(id=intro.id).update(requested_at=long_ago)
        history.facts.append(Fact("hires_from_introductions", alpha.id, hired_at.astimezone(UTC)))
    return history, [c for c, _, _ in made]


def monday(at: datetime) -> date:
    day = at.astimezone(JST).date()
    return day - timedelta(days=day.weekday())


def inside(at: datetime) -> bool:
    return FROM <= at < TO


def expected(history: History, company_id: int | None) -> dict:
    """The report, counted in plain Python over the facts."""
    mine = [
        f
        for f in history.facts
        if (company_id is None or f.company_id == company_id) and inside(f.at)
    ]
    totals = {m: 0 for m in CAMEL}
    weekly: dict[date, dict[str, int]] = defaultdict(lambda: {m: 0 for m in CAMEL})
    for f in mine:
        totals[f.metric] += f.amount
        weekly[monday(f.at)][f.metric] += f.amount

    def rate(a: int, b: int) -> float | None:
        return a / b if b else None

    answered = sum(totals[f"introductions_{s}"] for s in ("accepted", "declined", "expired"))

    def share(rows: list[tuple], base: int, reached: int) -> float | None:
        """Of the rows whose step ``base`` fell in the period, the share that reached step
        ``reached`` before the period ended."""
        cohort = [r for r in rows if r[base] and inside(r[base])]
        return rate(sum(1 for r in cohort if r[reached] and r[reached] < TO), len(cohort))

    def ours(rows: list[tuple]) -> list[tuple]:
        return [r for r in rows if company_id is None or r[0] == company_id]

    referrals = ours(history.referrals)
    rates = {
        "clickRate": share(referrals, 1, 2),
        "registrationRate": share(referrals, 2, 3),
        "qualificationRate": share(referrals, 3, 4),
        "introductionRate": share(referrals, 4, 5),
        "followUpRate": share(ours(history.follow_ups), 1, 2),
        "reapplicationRate": share(ours(history.reapply_links), 1, 2),
        "acceptanceRate": rate(totals["introductions_accepted"], answered),
    }
    savings = sum(
        history.fees[f.company_id] for f in mine if f.metric == "hires_from_introductions"
    )
    weeks = [FROM.date() + timedelta(days=7 * i) for i in range(4)]
    return {
        "totals": {CAMEL[m]: n for m, n in totals.items()},
        "rates": rates,
        "weekly": [
            {"weekStart": w.isoformat(), "counts": {CAMEL[m]: n for m, n in weekly[w].items()}}
            for w in weeks
        ],
        "savings": savings,
        "savings_per_hire": rate(savings, totals["hires_from_introductions"]),
        "openings": expected_openings(history, company_id),
    }


def expected_openings(history: History, company_id: int | None) -> dict[str, dict]:
    def ours(co: int) -> bool:
        return company_id is None or co == company_id

    apps = Counter(op for co, op, at in history.applications if ours(co) and inside(at))
    passed = Counter(
        op
        for co, op, _ in {
            (co, op, app) for co, op, app, at in history.passes if ours(co) and inside(at)
        }
    )
    rejected = [
        f for f in history.facts if f.metric == "rejections" and ours(f.company_id) and inside(f.at)
    ]
    rejections = Counter(f.opening_id for f in rejected)
    reasons: dict[int, Counter] = defaultdict(Counter)
    evaluations: dict[int, Counter] = defaultdict(Counter)
    decided = {(op, app) for co, op, app, at in history.decisions if ours(co) and inside(at)}
    for op, app in decided:
        evaluations[op][history.evaluations[app]] += 1
    for f in rejected:
        reasons[f.opening_id][f.reason_code] += 1
    out = {}
    for op in set(apps) | set(passed) | set(rejections):
        decided = passed[op] + rejections[op]
        out[str(relay.GlobalID("Opening", str(op)))] = {
            "title": history.titles[op],
            "applications": apps[op],
            "rejections": rejections[op],
            "passed": passed[op],
            "passRate": passed[op] / decided if decided else None,
            "reasons": {
                code: {
                    "nameJa": history.reasons[code][0],
                    "nameEn": history.reasons[code][1],
                    "count": n,
                }
                for code, n in reasons[op].items()
            },
            "evaluations": dict(evaluations[op]),
        }
    return out


def check(report: dict, want: dict) -> None:
    assert report["timeZone"] == "Asia/Tokyo"
    assert report["totals"] == want["totals"]
    assert report["weekly"] == want["weekly"]
    for name, value in want["rates"].items():
        assert report["rates"][name] == pytest.approx(value), name
    assert report["estimatedSavingsYen"] == want["savings"]
    assert report["estimatedSavingsPerHireYen"] == pytest.approx(want["savings_per_hire"])
    for name, value in report["rates"].items():
        assert value is None or 0 <= value <= 1, name
    got = {
        o["openingId"]: {
            "title": o["title"],
            "applications": o["applications"],
            "rejections": o["rejections"],
            "passed": o["passed"],
            "passRate": o["passRate"],
            "reasons": {
                r["code"]: {"nameJa": r["nameJa"], "nameEn": r["nameEn"], "count": r["count"]}
                for r in o["rejectionReasons"]
            },
            "evaluations": {e["evaluation"]: e["count"] for e in o["evaluations"]},
        }
        for o in report["openings"]
    }
    assert set(got) == set(want["openings"])
    for opening_id, funnel in want["openings"].items():
        assert got[opening_id] | {"passRate": None} == funnel | {"passRate": None}
        assert got[opening_id]["passRate"] == pytest.approx(funnel["passRate"])
    for o in report["openings"]:
        counts = [r["count"] for r in o["rejectionReasons"]]
        assert counts == sorted(counts, reverse=True)


def variables() -> dict:
    return {"from": FROM.isoformat(), "to": TO.isoformat()}


async def test_company_and_network_reports_match_counts_made_independently(client, operator):
    # given: two companies' history over ten weeks
    history, companies = await seed_history()

    for company in companies:
        # when
        data = await (await keyed(client, company))(REPORT + FIELDS, variables())

        # then
        want = expected(history, company.id)
        check(data["report"], want)
        # the seed is rich enough that no figure is trivially zero
        assert [n for n, v in want["totals"].items() if v == 0] == [], want["totals"]
        assert all(value is not None for value in want["rates"].values())
        assert data["report"]["from"] == "2026-03-01T15:00:00+00:00"

    # and the network: both companies, each hire valued at its own company's fee
    data = await operator(NETWORK + FIELDS, variables())
    want = expected(history, None)
    check(data["operator"]["networkReport"], want)
    assert want["savings"] == sum(
        history.fees[f.company_id]
        for f in history.facts
        if f.metric == "hires_from_introductions" and inside(f.at)
    )
    assert len({f.company_id for f in history.facts if f.metric == "hires_from_introductions"}) == 2


async def test_registrations_through_the_join_link_do_not_push_a_rate_above_one(client):
    # given: one mailed link opened, and five people who came through the company's /join link
    # (no mail, no click) registered in the period, the demo's 「登録率 1700%」 case
    company = await Company.create(name="j", slug="j", join_code="j")
    at = FROM + timedelta(days=3)
    common = {"company": company, "expires_at": TO, "registered_at": at, "qualified_at": at}
    await Referral.create(
        **common, email_normalized="m@x.jp", token_hash="m", mailed_at=at, first_clicked_at=at
    )
    for i in range(5):
        await Referral.create(
            **common, email_normalized=f"j{i}@x.jp", token_hash=f"j{i}", source=ReferralSource.LINK
        )

    data = await (await keyed(client, company))(REPORT + FIELDS, variables())

    # then: the registration rate is the share of those who clicked, every rate at most 1
    report = data["report"]
    assert report["totals"]["registrations"] == 6
    assert report["rates"]["registrationRate"] == 1.0
    assert report["rates"]["clickRate"] == 1.0
    assert report["rates"]["qualificationRate"] == 1.0
    assert report["rates"]["introductionRate"] == 0.0


async def test_a_past_period_never_changes_after_later_activity(client):
    _, (alpha, _) = await seed_history(seed=3)
    caller = await keyed(client, alpha)
    before = await caller(REPORT + FIELDS, variables())

    # later activity: rejections, clicks, credits, introductions answered, mails sent
    s = Seeder(random.Random(99), History(), TO + timedelta(days=1), TO + timedelta(days=30))
    opening = await Opening.filter(company_id=alpha.id).first()
    reason = await RejectionReason.filter(company_id=alpha.id).first()
    for _ in range(10):
        await s.rejection(alpha, opening, reason)
    await s.credit(alpha, CreditKind.SETTLEMENT, 1)
    await s.introduction(alpha, opening, IntroductionStatus.ACCEPTED, hired=True)
    await s.pool_mail(alpha, MailKind.FOLLOW_UP, MailStatus.SENT)
    await Company.filter(id=alpha.id).update(name="renamed")

    after = await caller(REPORT + FIELDS, variables())
    assert after == before


async def test_weeks_follow_the_company_time_zone(client):
    # given: a rejection at Monday 08:00 in Tokyo, which is still Sunday in UTC
    history = History()
    s = Seeder(random.Random(1), history)
    company, openings, _ = await s.company("tz", 0)
    at = datetime(2026, 3, 9, 8, 0, tzinfo=JST)
    app = await s.application(company, openings[0], at - timedelta(days=1))
    await ApplicationEvent.create(
        company=company, application=app, status=ApplicationStatus.REJECTED, at=at
    )
    caller = await keyed(client, company)

    # when
    data = await caller(REPORT + FIELDS, variables())

    # then: the rejection is in the week of Monday 9 March (Tokyo), not the week before
    weeks = {w["weekStart"]: w["counts"]["rejections"] for w in data["report"]["weekly"]}
    assert weeks == {"2026-03-02": 0, "2026-03-09": 1, "2026-03-16": 0, "2026-03-23": 0}

    # and a company in London sees the same instant in the week before
    await Company.filter(id=company.id).update(timezone="Europe/London")
    data = await caller(REPORT + FIELDS, variables())
    weeks = {w["weekStart"]: w["counts"]["rejections"] for w in data["report"]["weekly"]}
    assert weeks["2026-03-02"] == 1
    assert data["report"]["timeZone"] == "Europe/London"


async def test_rates_are_null_when_nothing_happened(company_a):
    data = await company_a(REPORT + FIELDS, variables())

    report = data["report"]
    assert set(report["rates"].values()) == {None}
    assert report["estimatedSavingsYen"] == 0
    assert report["openings"] == []
    assert [w["weekStart"] for w in report["weekly"]] == [
        "2026-03-02",
        "2026-03-09",
        "2026-03-16",
        "2026-03-23",
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z"),
        ("2026-03-09T00:00:00Z", "2026-03-02T00:00:00Z"),
        ("2024-01-01T00:00:00Z", "2026-03-02T00:00:00Z"),
    ],
)
async def test_bad_periods_are_a_clear_error(company_a, operator, start, end):
    for caller, query in ((company_a, REPORT), (operator, NETWORK)):
        body = (await caller.post(query + FIELDS, {"from": start, "to": end})).json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID", body
        assert "from" in body["errors"][0]["message"] or "days" in body["errors"][0]["message"]


def test_period_check_reads_naive_times_as_utc():
    start, end = reports.check_period(datetime(2026, 1, 1), datetime(2026, 1, 2))
    assert start == datetime(2026, 1, 1, tzinfo=UTC)
    assert end - start == timedelta(days=1)
    with pytest.raises(DomainError):
        reports.check_period(datetime(2026, 1, 1), datetime(2028, 1, 3))


async def test_company_report_is_forbidden_to_the_operator_and_network_report_to_companies(
    company_a, operator
):
    body = (await operator.post(REPORT + FIELDS, variables())).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = (await company_a.post(NETWORK + FIELDS, variables())).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"]["operator"] is None


async def keyed(client, company: Company) -> Caller:
    """A caller holding a new key of an existing company."""
    _, raw = await api_keys.create(OPERATOR, "report test", company.id)
    return Caller(client, raw, company.id)
