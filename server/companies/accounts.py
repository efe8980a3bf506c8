"""Partner companies: creation by the operator, status, lookup scoped to the caller."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from tortoise.signals import post_delete, post_save
from tortoise.transactions import in_transaction

from server import audit, rows
from server.applications import reasons as rejection_reasons
from server.applications import templates
from server.companies import members
from server.companies.auth import forget_keys, new_key
from server.config import get_settings
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.mail import outbox, sending_guards
from server.models import ApiKey, Company, CompanyStatus, Locale
from server.principal import Permission, Principal
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
    # The caller's own company, or any for the operator (as ``scoped``), in precompiled SQL.
    if not principal.is_operator and company_id != principal.require_company():
        raise NotFound("company")
    found = await rows.by_ids(Company, [company_id])
    if not found:
        raise NotFound("company")
    return found[0]


# company id -> (monotonic expiry, row): the caller's own company for `viewer`, kept per process
# at most RELAY_API_KEY_CACHE_SECONDS (≤ 1 s), like its key. A save of the company in this
# process forgets it at once; a change made by another process shows within that time.
_viewers: dict[int, tuple[float, Company]] = {}
_VIEWERS_MAX = 10_000


async def viewer(principal: Principal) -> Company:
    """The caller's company, read at most once a ``api_key_cache_seconds`` per process; the
    row is shared between requests: read it, never change it."""
    company_id = principal.require_company()
    now = time.monotonic()
    hit = _viewers.get(company_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    company = await get(principal, company_id)
    seconds = get_settings().api_key_cache_seconds
    if seconds > 0:
        if len(_viewers) >= _VIEWERS_MAX:
            _viewers.clear()
        _viewers[company_id] = (now + seconds, company)
    return company


@post_save(Company)
@post_delete(Company)
async def _forget_viewer(sender: type[Company], instance: Company, *args: object) -> None:
    _viewers.pop(instance.id, None)


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
    owner_email: str = "",
    owner_name: str = "",
) -> CreatedCompany:
    """Creates a company with its first API key (the raw key is returned once) and, given an
    owner's address, its first console member, who is mailed an invitation."""
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
    async with in_transaction("default"):
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
        await rejection_reasons.ensure_defaults(company.id)
        await audit.record(principal, "company.create", "Company", company.id, name=name)
        if owner_email:
            await members.add_owner(principal, company, owner_email, owner_name)
    return CreatedCompany(company, api_key, key.raw)


async def set_status(principal: Principal, company_id: int, status: CompanyStatus) -> Company:
    principal.require_operator()
    async with in_transaction("default"):
        company = await Company.select_for_update(no_key=True).get_or_none(id=company_id)
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
    forget_keys()
    return company


async def update_rejection_template(
    principal: Principal, locale: Locale, subject: str, body: str
) -> Company:
    """Stores the company's rejection mail for a locale after checking it renders."""
    principal.require(Permission.WRITE)
    company_id = principal.require_company()
    templates.validate(subject, body)
    async with in_transaction("default"):
        company = await Company.select_for_update(no_key=True).get(id=company_id)
        sample = templates.render({"subject": subject, "body": body}, templates.sample_values())
        sending_guards.check_links({"subject": sample.subject, "body": sample.text}, company)
        company.rejection_templates = company.rejection_templates | {
            locale.value: {"subject": subject, "body": body}
        }
        await company.save(update_fields=["rejection_templates"])
        await audit.record(
            principal, "company.rejection_template", "Company", company_id, locale=locale.value
        )
    return company


MAX_UNDO_WINDOW_MINUTES = 24 * 60
MAX_MAIL_FROM_NAME = 200
# The From display name of a company's own mails when it set none.
DEFAULT_FROM_NAME = {Locale.JA: "{name} 採用担当", Locale.EN: "{name} Recruiting"}


def mail_sender(company: Company, locale: Locale | str) -> outbox.Sender:
    """Who the company's own mails (rejection, follow-up, alert) are from: its display name
    (「株式会社〇〇 採用担当」 unless it set one) and its Reply-To (else its contact address),
    so that the person can answer the company."""
    default = DEFAULT_FROM_NAME[Locale.EN if str(locale) == "en" else Locale.JA]
    return outbox.Sender(
        name=company.mail_from_name or default.format(name=company.name),
        reply_to=company.reply_to_email or company.contact_email,
    )


async def update_settings(
    principal: Principal,
    *,
    undo_window_minutes: int | None = None,
    agency_fee_yen: int | None = None,
    contact_email: str | None = None,
    mail_from_name: str | None = None,
    reply_to_email: str | None = None,
) -> Company:
    """Changes the given settings of the caller's company ("" clears the mail sender's
    name and Reply-To, back to their defaults).

    Raises:
        DomainError: INVALID / TOO_LONG on the input field.
    """
    principal.require(Permission.MANAGE)
    company_id = principal.require_company()
    errors = []
    if undo_window_minutes is not None and not 0 <= undo_window_minutes <= MAX_UNDO_WINDOW_MINUTES:
        errors.append(
            FieldError(ErrorCode.INVALID, "undoWindowMinutes is 0 to 1440", ["undoWindowMinutes"])
        )
    if agency_fee_yen is not None and agency_fee_yen < 0:
        errors.append(
            FieldError(ErrorCode.INVALID, "agencyFeeYen cannot be negative", ["agencyFeeYen"])
        )
    if contact_email is not None and not is_email(contact_email):
        errors.append(FieldError(ErrorCode.INVALID, "not an email address", ["contactEmail"]))
    errors += _sender_errors(mail_from_name, reply_to_email)
    if errors:
        raise DomainError.many(errors)
    company = await Company.get(id=company_id)
    if undo_window_minutes is not None:
        company.undo_window_minutes = undo_window_minutes
    if agency_fee_yen is not None:
        company.agency_fee_yen = agency_fee_yen
    if contact_email is not None:
        company.contact_email = normalize(contact_email)
    if mail_from_name is not None:
        company.mail_from_name = normalize(mail_from_name)
    if reply_to_email is not None:
        company.reply_to_email = normalize(reply_to_email)
    given = {
        "undoWindowMinutes": undo_window_minutes,
        "agencyFeeYen": agency_fee_yen,
        "contactEmail": contact_email,
        "mailFromName": mail_from_name,
        "replyToEmail": reply_to_email,
    }
    changed = [name for name, value in given.items() if value is not None]
    async with in_transaction("default"):
        await company.save()
        await audit.record(principal, "company.settings", "Company", company_id, fields=changed)
    return company


def _sender_errors(name: str | None, reply_to: str | None) -> list[FieldError]:
    errors = []
    if name is not None and len(normalize(name)) > MAX_MAIL_FROM_NAME:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG, f"at most {MAX_MAIL_FROM_NAME} characters", ["mailFromName"]
            )
        )
    if reply_to and not is_email(reply_to):
        errors.append(FieldError(ErrorCode.INVALID, "not an email address", ["replyToEmail"]))
    return errors
