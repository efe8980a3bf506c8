"""Partner companies: creation by the operator, status, lookup scoped to the caller."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server import audit
from server.auth import new_key
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import ApiKey, Company, CompanyStatus, Locale
from server.principal import Principal
from server.text import is_email, normalize, slugify


@dataclass
class CreatedCompany:
    company: Company
    api_key: ApiKey
    raw_key: str


def scoped(principal: Principal):
    """Companies the caller may read: its own, or every one for the operator."""
    query = Company.all()
    if not principal.is_operator:
        query = query.filter(id=principal.require_company())
    return query


async def get(principal: Principal, company_id: int) -> Company:
    company = await scoped(principal).get_or_none(id=company_id)
    if company is None:
        raise NotFound("company")
    return company


async def _unique_slug(base: str) -> str:
    slug = base or f"company-{secrets.token_hex(3)}"
    while await Company.exists(slug=slug):
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


async def create(
    principal: Principal,
    name: str,
    *,
    slug: str | None = None,
    locale: Locale = Locale.JA,
    contact_email: str = "",
    status: CompanyStatus = CompanyStatus.ACTIVE,
) -> CreatedCompany:
    """Creates a company with its first API key (the raw key is returned once)."""
    principal.require_operator()
    name = normalize(name)
    errors = []
    if not name:
        errors.append(FieldError(ErrorCode.REQUIRED, "name is required", ["name"]))
    elif len(name) > 200:
        errors.append(FieldError(ErrorCode.TOO_LONG, "name is at most 200 characters", ["name"]))
    if contact_email and not is_email(contact_email):
        errors.append(FieldError(ErrorCode.INVALID, "not an email address", ["contactEmail"]))
    if slug is not None and (slugify(slug) != slug or not slug or len(slug) > 64):
        errors.append(
            FieldError(ErrorCode.INVALID, "slug is lowercase letters, digits and -", ["slug"])
        )
    if errors:
        raise DomainError.many(errors)
    if slug is not None and await Company.exists(slug=slug):
        raise DomainError(ErrorCode.ALREADY_EXISTS, "slug is taken", ["slug"])
    async with in_transaction():
        company = await Company.create(
            name=name,
            slug=slug or await _unique_slug(slugify(name)[:50]),
            locale=locale,
            contact_email=normalize(contact_email),
            status=status,
            join_code=secrets.token_urlsafe(9),
        )
        key = new_key()
        api_key = await ApiKey.create(
            company=company, name="first key", prefix=key.prefix, secret_hash=key.secret_hash
        )
        await audit.record(principal, "company.create", "Company", company.id, name=name)
    return CreatedCompany(company, api_key, key.raw)


async def set_status(principal: Principal, company_id: int, status: CompanyStatus) -> Company:
    principal.require_operator()
    async with in_transaction():
        company = await Company.select_for_update().get_or_none(id=company_id)
        if company is None:
            raise NotFound("company", ["companyId"])
        previous = company.status
        company.status = status
        await company.save(update_fields=["status"])
        await audit.record(
            principal,
            "company.set_status",
            "Company",
            company.id,
            previous=previous.value,
            status=status.value,
        )
    return company
