"""Operator mutations on companies: createCompany, setCompanyStatus, setCompanyMailGuards."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.api_keys.types import ApiKey
from schema.companies.types import Company, CompanyStatus, Locale
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsOperator
from server import models as m
from server.companies import accounts as companies
from server.mail import sending_guards


@strawberry.input(description="A new partner company.")
class CreateCompanyInput:
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    slug: str | None = strawberry.field(
        default=None, description="Unique URL-safe name (a-z, 0-9, -); derived from name if unset."
    )
    locale: Locale = strawberry.field(  # type: ignore[valid-type]
        default=m.Locale.JA, description="Default language of its mails, JA unless set."
    )
    contact_email: str = strawberry.field(
        default="",
        description="Where the network writes to it, up to 320 characters; may be empty.",
    )
    owner_email: str = strawberry.field(
        default="",
        description="Its first console owner: an invitation to /app is mailed there; may be "
        "empty (resendInvitation mails it again).",
    )
    owner_name: str = strawberry.field(default="", description="The owner's display name.")


@strawberry.type
class CreateCompanyPayload:
    company: Company | None = strawberry.field(
        default=None, description="The new company; null when userErrors is not empty."
    )
    api_key: ApiKey | None = strawberry.field(
        default=None, description="Its first API key; null when userErrors is not empty."
    )
    secret: str | None = strawberry.field(
        default=None, description="The company's first API key: shown once, hand it over now."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="A company and the status to give it.")
class SetCompanyStatusInput:
    company_id: relay.GlobalID = strawberry.field(description="The Company to change.")
    status: CompanyStatus = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE lets its API keys in; PENDING and SUSPENDED shut them out."
    )


@strawberry.type
class CompanyPayload:
    company: Company | None = strawberry.field(
        default=None, description="The company as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="The phishing guards of one company; unset fields stay as they are.")
class SetCompanyMailGuardsInput:
    company_id: relay.GlobalID = strawberry.field(description="The Company to change.")
    allowed_link_domains: list[str] | None = strawberry.field(
        default=None,
        description=f"Domains (and their subdomains) its rejection mails may link to besides "
        f"the network's own; replaces the list, at most {sending_guards.MAX_DOMAINS}.",
    )
    daily_mail_quota: int | None = strawberry.field(
        default=None, description="Its own quota of rejection mails in any 24 hours."
    )
    default_quota: bool = strawberry.field(
        default=False, description="Drop its own quota: the network's default applies again."
    )


@strawberry.type
class CompanyMutations:
    @mutation(
        permission_classes=[IsOperator],
        description="Operator: creates a company and returns its first API key once.",
    )
    async def create_company(
        self,
        info: Info,
        input: Annotated[
            CreateCompanyInput, strawberry.argument(description="The company to create.")
        ],
    ) -> CreateCompanyPayload:
        created = await companies.create(
            info.context.caller,
            input.name,
            slug=input.slug,
            locale=m.Locale(input.locale),
            contact_email=input.contact_email,
            owner_email=input.owner_email,
            owner_name=input.owner_name,
        )
        return CreateCompanyPayload(
            company=Company.from_model(created.company),
            api_key=ApiKey.from_model(created.api_key),
            secret=created.raw_key,
            user_errors=[],
        )

    @mutation(
        permission_classes=[IsOperator],
        description="Operator: approves (ACTIVE) or suspends a company; suspended keys get 403.",
    )
    async def set_company_status(
        self,
        info: Info,
        input: Annotated[
            SetCompanyStatusInput, strawberry.argument(description="The company and its status.")
        ],
    ) -> CompanyPayload:
        company_id = node.decode(str(input.company_id), "Company")[1]
        company = await companies.set_status(
            info.context.caller, company_id, m.CompanyStatus(input.status)
        )
        return CompanyPayload(company=Company.from_model(company), user_errors=[])

    @mutation(
        permission_classes=[IsOperator],
        description="Operator: sets a company's allowed link domains and daily mail quota "
        "(audited as company.set_mail_guards).",
    )
    async def set_company_mail_guards(
        self,
        info: Info,
        input: Annotated[
            SetCompanyMailGuardsInput, strawberry.argument(description="The company's guards.")
        ],
    ) -> CompanyPayload:
        company_id = node.decode(str(input.company_id), "Company")[1]
        change = sending_guards.GuardChange(
            allowed_link_domains=input.allowed_link_domains,
            daily_mail_quota=input.daily_mail_quota,
            default_quota=input.default_quota,
        )
        company = await sending_guards.set_guards(info.context.caller, company_id, change)
        return CompanyPayload(company=Company.from_model(company), user_errors=[])
