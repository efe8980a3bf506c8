"""A person's story with the company, newest first (the pool's CRM view): the members' notes,
the company's mails to them (rejection, follow-ups, openings sent, with held ones), the
status changes of their applications and their follow-up consent. Company-scoped: only a
person of the caller's pool, only the caller's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.models import (
    Applicant,
    ApplicationEvent,
    Candidate,
    Consent,
    ConsentScope,
    MailKind,
    MailMessage,
)
from server.pool import notes
from server.principal import Principal

MAX_EVENTS = 50
# The company's own mails to the person (network mails are the network's).
COMPANY_MAILS = (MailKind.REJECTION, MailKind.FOLLOW_UP, MailKind.OPENING_ALERT)


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "note", "mail", "status", "consent"
    code: str = ""  # mail: its MailStatus; status: the ApplicationStatus; consent: "1"/"0"
    text: str = ""  # mail: its subject; status: the opening's title
    mail_kind: str = ""  # mail: its MailKind
    note: notes.Note | None = None


async def _mails(company_id: int, candidate_id: int, addresses: list[str]) -> list[Event]:
    by_candidate = MailMessage.filter(company_id=company_id, candidate_id=candidate_id)
    by_address = MailMessage.filter(company_id=company_id, recipient__in=addresses or [""])
    rows = {
        m.id: m
        for query in (by_candidate, by_address)
        for m in await query.filter(kind__in=list(COMPANY_MAILS))
        .order_by("-send_after")
        .limit(MAX_EVENTS)
    }
    return [
        Event(
            at=m.sent_at or m.send_after,
            kind="mail",
            code=m.status.value,
            text=m.subject,
            mail_kind=m.kind.value,
        )
        for m in rows.values()
    ]


async def _statuses(company_id: int, applicant_ids: list[int]) -> list[Event]:
    rows = (
        await ApplicationEvent.filter(
            company_id=company_id, application__applicant_id__in=applicant_ids or [0]
        )
        .order_by("-at")
        .limit(MAX_EVENTS)
        .values("at", "status", "application__opening__title")
    )
    return [
        Event(r["at"], "status", str(r["status"]), r["application__opening__title"]) for r in rows
    ]


async def _consents(company_id: int, candidate_id: int) -> list[Event]:
    rows = await Consent.filter(
        candidate_id=candidate_id, scope=ConsentScope.FOLLOW_UP, company_id=company_id
    ).order_by("-created_at")
    return [Event(at=r.created_at, kind="consent", code="1" if r.granted else "0") for r in rows]


async def events(principal: Principal, candidate_id: int, now: datetime) -> list[Event]:
    """The person's timeline with the caller's company, newest first (at most 50 events).

    Raises:
        NotFound: the person is not in the caller's pool now.
    """
    row = await notes.in_pool(principal, candidate_id, now)
    company_id = principal.require_company()
    person = await Candidate.get(id=row["candidate_id"])
    applicants = await Applicant.filter(
        company_id=company_id, email_normalized=person.email_normalized
    ).values_list("id", "email")
    found = [
        *[
            Event(at=n.created_at, kind="note", note=n)
            for n in (await notes.of_entries(principal, [candidate_id])).get(candidate_id, [])
        ],
        *await _mails(company_id, candidate_id, sorted({e for _, e in applicants})),
        *await _statuses(company_id, [i for i, _ in applicants]),
        *await _consents(company_id, candidate_id),
    ]
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:MAX_EVENTS]
