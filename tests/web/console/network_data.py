"""A company of the network, ready for the console's network pages: credits, an open opening
with tags, and network candidates who match it (their matches built as the worker would)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from server import tokens
from server.applications import openings
from server.candidates import consent
from server.models import (
    Applicant,
    Application,
    ApplicationStatus,
    Candidate,
    ConsentScope,
    CreditKind,
    Locale,
    Opening,
    Referral,
    ReferralStatus,
)
from server.network import credits, matching, scoring, tags, taxonomy
from server.principal import Principal

OPENING_TAGS = ["Rust", "Python", "東京"]


async def give_credits(company_id: int, n: int) -> None:
    await credits.post(company_id, n, CreditKind.ADJUSTMENT, f"test:{secrets.token_hex(6)}")


async def person(
    email: str,
    *texts: str,
    headline: str = "バックエンドエンジニア",
    name: str = "秘密 花子",
) -> Candidate:
    """A candidate who shares the profile with the network."""
    candidate = await Candidate.create(
        email=email,
        email_normalized=email,
        display_name=name,
        headline=headline,
        experience_years=6,
        locale=Locale.JA,
        tag_ids=[t.id for t in await tags.resolve(texts)],
    )
    await consent.record(candidate, ConsentScope.NETWORK_SHARING, True, source="test")
    return candidate


async def network_company(company_id: int, *, credit: int = 2) -> tuple[Opening, list[Candidate]]:
    """Credits, an open opening asking for Rust, Python and Tokyo, and four matching people
    (the best first: the only one with Rust, which few carry)."""
    await taxonomy.seed()
    if credit:
        await give_credits(company_id, credit)
    people = [
        await person(
            "rare@example.jp", "rust", "python", "tokyo", headline="Rust と Python の開発者"
        ),
        *[
            await person(
                f"common{i}@example.jp", "python", "tokyo", "excel", headline="Python 開発者"
            )
            for i in range(3)
        ],
    ]
    for i in range(4):  # the network beyond the matches: Python and Tokyo are common
        await person(f"other{i}@example.jp", "python", "osaka", headline="大阪のエンジニア")
    await scoring.refresh_weights()
    principal = Principal(api_key_id=None, company_id=company_id)
    opening = await openings.create(principal, "Rust バックエンドエンジニア", "", OPENING_TAGS)
    await matching.rebuild_opening(opening.id)
    return opening, people


async def referral(
    company_id: int,
    status: ReferralStatus,
    at: datetime,
    *,
    opening: Opening | None = None,
    name: str = "",
) -> Referral:
    """A referral of the company's rejection mail sent at ``at`` (from an application of
    ``opening`` by ``name`` when given), with the dates its status implies."""
    application_id = None
    if opening is not None:
        applicant = await Applicant.create(
            company_id=company_id,
            name=name,
            email=f"{secrets.token_hex(4)}@example.jp",
            email_normalized=f"{secrets.token_hex(4)}@example.jp",
        )
        application = await Application.create(
            company_id=company_id,
            applicant_id=applicant.id,
            opening_id=opening.id,
            status=ApplicationStatus.REJECTED,
            applied_at=at - timedelta(days=20),
            decided_at=at,
        )
        application_id = application.id
    reached = list(ReferralStatus).index(status)
    dated = {
        name: at + timedelta(days=day) if reached >= list(ReferralStatus).index(s) else None
        for name, s, day in (
            ("first_clicked_at", ReferralStatus.CLICKED, 1),
            ("registered_at", ReferralStatus.REGISTERED, 1),
            ("qualified_at", ReferralStatus.QUALIFIED, 2),
        )
    }
    return await Referral.create(
        company_id=company_id,
        application_id=application_id,
        email_normalized=f"r{secrets.token_hex(4)}@example.jp",
        token_hash=tokens.hash_token(tokens.new_token()),
        expires_at=at + timedelta(days=180),
        status=status,
        mailed_at=at,
        **dated,
    )


def days_ago(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)
