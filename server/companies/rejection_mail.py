"""The rejection mail as a company edits it: a preview of the saved template or of a draft,
and a test send of it to the member's own address (through the outbox, marked as a test)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import parseaddr

from arq.connections import ArqRedis

from server import audit, i18n, ratelimit
from server.applications import templates
from server.companies import accounts, members
from server.config import get_settings
from server.errors import DomainError, ErrorCode
from server.mail import outbox, sending_guards
from server.models import Company, Locale, MailKind, MailMessage
from server.principal import Permission, Principal

# Test sends per member (or API key) and hour: enough to try a wording, not a mailer.
TEST_SENDS = ratelimit.Limit("mail-test", limit=10, window=3600)


@dataclass(frozen=True)
class Preview:
    """The mail a candidate would get: who it is from, its subject and body."""

    sender: outbox.Sender
    mail: templates.RenderedMail
    saved: bool  # the company's own template (False: the default, or an unsaved draft)

    @property
    def from_address(self) -> str:
        """The address every mail is sent from (the network's; the name is the company's)."""
        return parseaddr(get_settings().mail_from)[1]


def _values(company: Company) -> dict[str, str]:
    return templates.sample_values() | {"company_name": company.name}


def _draft(company: Company, subject: str, body: str) -> dict[str, str]:
    """A draft, checked by the rules of a saved template (sandbox, limits, links).

    Raises:
        DomainError: TEMPLATE_INVALID / TOO_LONG / LINK_NOT_ALLOWED on ``subject`` / ``body``.
    """
    templates.validate(subject, body)
    sample = templates.render({"subject": subject, "body": body}, _values(company))
    sending_guards.check_links({"subject": sample.subject, "body": sample.text}, company)
    return {"subject": subject, "body": body}


async def preview(
    principal: Principal, locale: Locale, subject: str | None = None, body: str | None = None
) -> Preview:
    """The company's rejection mail in ``locale`` for a sample applicant; with ``subject`` and
    ``body``, that draft instead (nothing is saved)."""
    company = await accounts.get(principal, principal.require_company())
    if subject is not None and body is not None:
        source, saved = _draft(company, subject, body), False
    else:
        saved = locale.value in company.rejection_templates
        source = templates.source_for(company.rejection_templates, locale, invitation=True)
    mail = templates.render(source, _values(company))
    return Preview(accounts.mail_sender(company, locale), mail, saved)


async def _recipient(principal: Principal, company: Company) -> str:
    """The member's own address (an API key's: the company's contact address)."""
    if principal.member_id is not None:
        return (await members.get(principal, principal.member_id)).email
    if not company.contact_email:
        raise DomainError(ErrorCode.INVALID, "the company has no contact address", ["recipient"])
    return company.contact_email


async def send_test(
    principal: Principal,
    redis: ArqRedis,
    locale: Locale,
    subject: str | None = None,
    body: str | None = None,
) -> MailMessage:
    """Queues the (draft or saved) mail to the caller's own address, marked as a test in its
    subject and first line, and sends it now.

    Raises:
        DomainError: the draft's errors (see ``preview``); THROTTLED past ``TEST_SENDS``.
    """
    principal.require(Permission.WRITE)
    company = await accounts.get(principal, principal.require_company())
    shown = await preview(principal, locale, subject, body)
    recipient = await _recipient(principal, company)
    who = f"{company.id}:{principal.member_id or f'key{principal.api_key_id}'}"
    await ratelimit.check(redis, TEST_SENDS, who)
    banner = i18n.translate(locale.value, "console.mail.test_banner")
    text = f"{banner}\n\n{shown.mail.text}"
    message, _ = await outbox.queue_mail(
        kind=MailKind.COMPANY_NOTICE,
        recipient=recipient,
        subject=i18n.translate(
            locale.value, "console.mail.test_subject", subject=shown.mail.subject
        ),
        body_text=text,
        body_html=templates.to_html(text),
        locale=locale,
        dedupe_key=f"template-test:{who}:{secrets.token_hex(8)}",
        company_id=company.id,
        sender=shown.sender,
    )
    await audit.record(principal, "mail.template_test", "Company", company.id, locale=locale.value)
    await outbox.enqueue_send(redis, [message.id])
    return message
