"""Operator mutations on companies: createCompany, setCompanyStatus."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema import node
from schema.api_keys.types import ApiKey
from schema.companies.types import Company, CompanyStatus, Locale
from schema.context import Info
from schema.errors import UserError, user_errors
from schema.permissions import IsOperator
from server import companies
from server import models as m
from server.errors import DomainError


@strawberry.input(description="A new partner company.")
class CreateCompanyInput:
    name: str = strawberry.field(description="Display name, 1 to 200 characters.")
    slug: str | None = strawberry.field(
        default=None, description="Unique URL-safe name (a-z, 0-9, -); derived from name if unset."
    )
    locale: Locale = m.Locale.JA  # type: ignore[valid-type]
    contact_email: str = ""


@strawberry.type
class CreateCompanyPayload:
    company: Company | None
    api_key: ApiKey | None
    secret: str | None = strawberry.field(
        description="The company's first API key: shown once, hand it over now."
    )
    user_errors: list[UserError]


@strawberry.input
class SetCompanyStatusInput:
    company_id: relay.GlobalID
    status: CompanyStatus  # type: ignore[valid-type]


@strawberry.type
class CompanyPayload:
    company: Company | None
    user_errors: list[UserError]


@strawberry.type
class CompanyMutations:
    @strawberry.mutation(
        permission_classes=[IsOperator],
        description="Operator: creates a company and returns its first API key once.",
    )
    async def create_company(self, info: Info, input: CreateCompanyInput) -> CreateCompanyPayload:
        try:
            created = await companies.create(
                info.context.caller,
                input.name,
                slug=input.slug,
                locale=m.Locale(input.locale),
                contact_email=input.contact_email,
            )
        except DomainError as error:
            return CreateCompanyPayload(
                company=None, api_key=None, secret=None, user_errors=user_errors(error)
            )
        return CreateCompanyPayload(
            company=Company.from_model(created.company),
            api_key=ApiKey.from_model(created.api_key),
            secret=created.raw_key,
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[IsOperator],
        description="Operator: approves (ACTIVE) or suspends a company; suspended keys get 403.",
    )
    async def set_company_status(self, info: Info, input: SetCompanyStatusInput) -> CompanyPayload:
        company_id = node.decode(str(input.company_id), "Company")[1]
        try:
            company = await companies.set_status(
                info.context.caller, company_id, m.CompanyStatus(input.status)
            )
        except DomainError as error:
            return CompanyPayload(company=None, user_errors=user_errors(error))
        return CompanyPayload(company=Company.from_model(company), user_errors=[])
