"""GraphQL types of companies."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from schema import node
from schema.context import Context, Info
from schema.credits.types import ReferralProgress
from schema.pagination import Connection
from server import companies, credits, referrals
from server import models as m

CompanyStatus = strawberry.enum(m.CompanyStatus, description="Lifecycle of a partner company.")
Locale = strawberry.enum(m.Locale, description="Language of mails and pages.")


ReferralStatus = strawberry.enum(m.ReferralStatus, description="What became of a referral.")


@strawberry.type(description="How many of the company's referrals are in one status.")
class ReferralStatusCount:
    status: ReferralStatus  # type: ignore[valid-type]
    count: int


@strawberry.type(description="A partner company of the network.")
class Company(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, up to 200 characters.")
    slug: str = strawberry.field(description="Unique URL-safe name.")
    status: CompanyStatus  # type: ignore[valid-type]
    locale: Locale = strawberry.field(description="Default language of its mails.")  # type: ignore[valid-type]
    contact_email: str = strawberry.field(description="Where the network writes to the company.")
    credit_balance: int = strawberry.field(description="Introduction credits available now.")
    created_at: datetime
    join_code: strawberry.Private[str]

    @strawberry.field(
        description="The company's own referral link to paste into rejection mails "
        "sent from its ATS (candidates confirm their address before anything counts)."
    )
    def referral_link(self, info: Info) -> str:
        return f"{info.context.settings.public_url}/join/{self.join_code}"

    @strawberry.field(description="How many of the company's referrals are in each status.")
    async def referral_counts(self) -> list[ReferralStatusCount]:
        counts = await referrals.counts_by_status(self.id)
        return [ReferralStatusCount(status=s, count=n) for s, n in counts.items()]

    @strawberry.field(
        description="Qualified referrals and the credits earned from them (one per ten)."
    )
    async def referral_progress(self) -> ReferralProgress:
        return ReferralProgress.from_progress(await credits.progress(self.id))

    @classmethod
    def from_model(cls, company: m.Company) -> Company:
        return cls(
            id=company.id,
            name=company.name,
            slug=company.slug,
            status=company.status,
            locale=company.locale,
            contact_email=company.contact_email,
            credit_balance=company.credit_balance,
            created_at=company.created_at,
            join_code=company.join_code,
        )


@strawberry.type(description="A page of companies.")
class CompanyConnection(Connection[Company]):
    pass


def company_loader(context: Context) -> DataLoader[int, m.Company | None]:
    async def load(ids: list[int]) -> list[m.Company | None]:
        rows = {c.id: c for c in await companies.scoped(context.caller).filter(id__in=ids)}
        return [rows.get(i) for i in ids]

    return DataLoader(load_fn=load)


async def load_company(info: Info, company_id: int) -> Company | None:
    row = await info.context.loader("company", company_loader).load(company_id)
    return Company.from_model(row) if row else None


node.register("Company")(load_company)
