"""GraphQL types of companies."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.companies.dataloaders import (
    CompanyFiguresLoader,
    CompanyLoader,
    ReferralCountsLoader,
    ReferralProgressLoader,
)
from schema.context import Info
from schema.network.credits.types import ReferralProgress
from schema.pagination import Connection
from schema.pool.policy import FollowUpPolicy
from server import models as m
from server.mail import sending_guards
from server.operator import console

CompanyStatus = strawberry.enum(m.CompanyStatus, description="Lifecycle of a partner company.")
Locale = strawberry.enum(m.Locale, description="Language of mails and pages.")


ReferralStatus = strawberry.enum(m.ReferralStatus, description="What became of a referral.")


@strawberry.type(description="How many of the company's referrals are in one status.")
class ReferralStatusCount:
    status: ReferralStatus = strawberry.field(description="The status counted.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Referrals of the company now in that status.")


@strawberry.type(description="Key figures of a company, all time.")
class CompanyFigures:
    referrals: int = strawberry.field(description="Referrals the company ever created.")
    qualified: int = strawberry.field(description="Of those, referrals that ever qualified.")
    introductions: int = strawberry.field(description="Introductions the company requested.")
    last_key_used_at: datetime | None = strawberry.field(
        description="Last use of any of its API keys (updated at most once a minute)."
    )

    @classmethod
    def from_figures(cls, row: console.CompanyFigures | None) -> CompanyFigures:
        row = row or console.CompanyFigures(0, 0, 0, None)
        return cls(
            referrals=row.referrals,
            qualified=row.qualified,
            introductions=row.introductions,
            last_key_used_at=row.last_key_used_at,
        )


@strawberry.type(description="A partner company of the network.")
class Company(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, up to 200 characters.")
    slug: str = strawberry.field(description="Unique URL-safe name.")
    status: CompanyStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE once approved; the API keys of PENDING and SUSPENDED ones are refused."
    )
    locale: Locale = strawberry.field(description="Default language of its mails.")  # type: ignore[valid-type]
    contact_email: str = strawberry.field(description="Where the network writes to the company.")
    mail_from_name: str = strawberry.field(
        description="From display name of its own mails; empty: its name and 採用担当."
    )
    reply_to_email: str = strawberry.field(
        description="Reply-To of its own mails; empty: contactEmail."
    )
    credit_balance: int = strawberry.field(description="Introduction credits available now.")
    created_at: datetime = strawberry.field(description="When the company was created.")
    join_code: strawberry.Private[str]
    row: strawberry.Private[m.Company]

    @strawberry.field(
        description="Domains its rejection mails may link to besides the network's own, set "
        "by the operator; any other link is refused with LINK_NOT_ALLOWED."
    )
    def allowed_link_domains(self) -> list[str]:
        return list(self.row.allowed_link_domains)

    @strawberry.field(
        description="Rejection mails it may send a day (small for new companies, raised by "
        "the operator); a mail over it is held to the next day with room, and a rejection "
        "fails with QUOTA_EXCEEDED when the next 30 days are full."
    )
    def daily_mail_quota(self) -> int:
        return sending_guards.quota(self.row)

    @strawberry.field(description="Its rejection mails sent or due today (its local day).")
    async def mails_today(self) -> int:
        return await sending_guards.used(self.row)

    @strawberry.field(description="Its rejection mails waiting for a later day.")
    async def mails_held(self) -> int:
        return await sending_guards.held(self.row)

    @strawberry.field(
        description="The company's own referral link to paste into rejection mails "
        "sent from its ATS (candidates confirm their address before anything counts)."
    )
    def referral_link(self, info: Info) -> str:
        return f"{info.context.settings.public_url}/join/{self.join_code}"

    @strawberry.field(description="How many of the company's referrals are in each status.")
    async def referral_counts(self, info: Info) -> list[ReferralStatusCount]:
        counts = await ReferralCountsLoader.of(info).load(self.id)
        return [ReferralStatusCount(status=s, count=n) for s, n in counts.items()]

    @strawberry.field(
        description="Qualified referrals and the credits earned from them (one per ten)."
    )
    async def referral_progress(self, info: Info) -> ReferralProgress:
        return ReferralProgress.from_progress(await ReferralProgressLoader.of(info).load(self.id))

    @strawberry.field(description="When and whether the company's talent pool is followed up.")
    async def follow_up_policy(self, info: Info) -> FollowUpPolicy | None:
        row = await CompanyLoader.of(info).load(self.id)
        return FollowUpPolicy.from_model(row) if row else None

    @strawberry.field(description="Key figures: referrals, introductions, last API key use.")
    async def figures(self, info: Info) -> CompanyFigures:
        row = await CompanyFiguresLoader.of(info).load(self.id)
        return CompanyFigures.from_figures(row)

    @classmethod
    def from_model(cls, company: m.Company) -> Company:
        return cls(
            id=company.id,
            name=company.name,
            slug=company.slug,
            status=company.status,
            locale=company.locale,
            contact_email=company.contact_email,
            mail_from_name=company.mail_from_name,
            reply_to_email=company.reply_to_email,
            credit_balance=company.credit_balance,
            created_at=company.created_at,
            join_code=company.join_code,
            row=company,
        )


@strawberry.type(description="A page of companies.")
class CompanyConnection(Connection[Company]):
    pass


async def load_company(info: Info, company_id: int) -> Company | None:
    row = await CompanyLoader.of(info).load(company_id)
    return Company.from_model(row) if row else None


node.register("Company")(load_company)
