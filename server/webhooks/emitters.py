"""The events of each domain step, as ``emit`` calls made inside that step's transaction.

Ids are GraphQL global ids; personal data only where the company already has it: its own
applicants (re-application, a bounced rejection mail) and an accepted introduction's contact.
"""

from __future__ import annotations

from server.models import (
    Applicant,
    Application,
    CreditEntry,
    Introduction,
    IntroductionStatus,
    MailKind,
    Opening,
    Referral,
)
from server.webhooks import notify
from server.webhooks.events import EventType, emit, global_id

ERASE_INSTRUCTION = (
    "The person asked to be erased. Delete every copy of their personal data that you "
    "received through Career Relay (APPI; GDPR Art. 17 and 19). "
    "ご本人から削除の請求がありました。"
    "Career Relay 経由で受領した個人データをすべて削除してください。"
)
# Mails sent to a company's own applicants: the company has their address already.
_OWN_APPLICANT_MAILS = {MailKind.REJECTION, MailKind.FOLLOW_UP, MailKind.OPENING_ALERT}
_REFERRAL_EVENTS = {
    "MAILED": EventType.REFERRAL_MAILED,
    "REGISTERED": EventType.REFERRAL_REGISTERED,
    "QUALIFIED": EventType.REFERRAL_QUALIFIED,
}


def _referral(referral_id: int, status: str, application_id: int | None) -> dict:
    return {
        "id": global_id("Referral", referral_id),
        "status": status,
        "application": {"id": global_id("Application", application_id)} if application_id else None,
    }


async def referral(referral: Referral, status: str) -> None:
    """referral.mailed / .registered / .qualified."""
    await emit(
        referral.company_id,
        _REFERRAL_EVENTS[status],
        f"referral:{referral.id}",
        {"referral": _referral(referral.id, status, referral.application_id)},
    )


async def referral_mailed(referral_id: int, company_id: int, application_id: int | None) -> None:
    await emit(
        company_id,
        EventType.REFERRAL_MAILED,
        f"referral:{referral_id}",
        {"referral": _referral(referral_id, "MAILED", application_id)},
    )


async def credit_settled(entry: CreditEntry, referral_ids: list[int]) -> None:
    await emit(
        entry.company_id,
        EventType.CREDIT_SETTLED,
        f"credit:{entry.id}",
        {
            "creditEntry": {
                "id": global_id("CreditEntry", entry.id),
                "delta": entry.delta,
                "balanceAfter": entry.balance_after,
            },
            "referrals": [{"id": global_id("Referral", i)} for i in referral_ids],
        },
    )


async def introduction(row: Introduction, contact: dict | None = None) -> None:
    """introduction.accepted (with the contact the company now has) / .declined / .expired."""
    event = {
        IntroductionStatus.ACCEPTED: EventType.INTRODUCTION_ACCEPTED,
        IntroductionStatus.DECLINED: EventType.INTRODUCTION_DECLINED,
        IntroductionStatus.EXPIRED: EventType.INTRODUCTION_EXPIRED,
    }[IntroductionStatus(row.status)]
    opening = await Opening.get(id=row.opening_id)
    data: dict = {
        "introduction": {
            "id": global_id("Introduction", row.id),
            "status": row.status.value,
            "opening": {"id": global_id("Opening", opening.id), "title": opening.title},
            "candidate": {"id": global_id("CandidateCard", row.candidate_id)},
        }
    }
    if contact is not None:
        data["contact"] = contact
    await emit(row.company_id, event, f"introduction:{row.id}", data)
    if contact is not None:
        await notify.introduction_accepted(row.company_id, row.id, opening.title, contact)


async def reapplied(application: Application, applicant: Applicant, opening: Opening) -> None:
    contact = {"name": applicant.name, "email": applicant.email}
    await emit(
        application.company_id,
        EventType.APPLICATION_REAPPLIED,
        f"application:{application.id}",
        {
            "application": {
                "id": global_id("Application", application.id),
                "status": application.status.value,
                "source": application.source.value,
                "opening": {"id": global_id("Opening", opening.id), "title": opening.title},
            },
            "applicant": {"externalId": applicant.external_id, **contact},
        },
    )
    await notify.reapplied(application.company_id, application.id, opening.title, contact)


async def mail_bounced(
    mail_id: int, company_id: int | None, kind: MailKind, recipient: str, referral_id: int | None
) -> None:
    if company_id is None:
        return
    data: dict = {"mail": {"kind": kind.value}, "reason": "bounced"}
    if kind in _OWN_APPLICANT_MAILS:
        data["mail"]["recipient"] = recipient
    if referral_id is not None:
        data["referral"] = {"id": global_id("Referral", referral_id)}
    await emit(company_id, EventType.MAIL_BOUNCED, f"mail:{mail_id}", data)


async def candidate_erased(candidate_id: int, company_id: int, introduction_ids: list[int]) -> None:
    await emit(
        company_id,
        EventType.CANDIDATE_ERASED,
        f"erasure:{candidate_id}",
        {
            "candidate": {"id": global_id("CandidateCard", candidate_id)},
            "introductions": [{"id": global_id("Introduction", i)} for i in introduction_ids],
            "action": "erase",
            "instruction": ERASE_INSTRUCTION,
        },
    )
