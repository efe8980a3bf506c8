"""The candidate's own portal (flow 8): ``/me`` mails a link, ``/me/{token}`` is the portal.

The portal token (TokenPurpose.PORTAL, 7 days) works repeatedly until it expires or the
profile is erased. Every change here is the person's own: profile edits, consent given or
withdrawn (effective at once), answers to introduction requests, data export and erasure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import i18n, queue, ratelimit, tokens
from server.applications import opening_view
from server.candidates import consent, registration
from server.candidates import profiles as candidates
from server.config import get_settings
from server.errors import DomainError, ErrorCode, NotFound
from server.mail import outbox
from server.models import (
    Candidate,
    Company,
    Consent,
    ConsentScope,
    Introduction,
    IntroductionStatus,
    Locale,
    MailKind,
    Opening,
    ProvisionRecord,
    Referral,
    TokenPurpose,
)
from server.network import introduction_answers, matching
from server.text import is_email, normalize_email

log = logging.getLogger(__name__)


@dataclass
class FollowUpConsent:
    company_id: int
    company_name: str
    granted: bool


@dataclass
class IntroductionItem:
    id: int
    company_name: str
    opening_title: str
    status: IntroductionStatus
    requested_at: datetime
    expires_at: datetime
    responded_at: datetime | None

    @property
    def open(self) -> bool:
        return self.status == IntroductionStatus.REQUESTED and self.expires_at > datetime.now(UTC)


@dataclass
class PortalPage:
    candidate: Candidate
    form: candidates.ProfileInput
    sharing: bool
    follow_ups: list[FollowUpConsent]
    introductions: list[IntroductionItem]
    matching: list[opening_view.OpeningView] = field(default_factory=list)


def _locale(locale: Locale | str) -> Locale:
    return Locale(str(locale)) if str(locale) in {"ja", "en"} else Locale.JA


async def request_link(
    email: str, *, locale: Locale | str = Locale.JA, redis: ArqRedis | None = None
) -> None:
    """Mails a portal link when the address has a profile; the caller answers the same either way.

    Raises:
        DomainError: REQUIRED / INVALID email (a malformed address, never an unknown one).
    """
    email = (email or "").strip()
    if not email:
        raise DomainError(ErrorCode.REQUIRED, "email is required", ["email"])
    if not is_email(email):
        raise DomainError(ErrorCode.INVALID, "not an email address", ["email"])
    address = normalize_email(email)
    # Counted for every address, known or not, so the limit reveals nothing; one count per
    # mailbox for all companies' /join links and /me together.
    if redis is not None and not await ratelimit.hit(
        redis, ratelimit.MAILS_PER_ADDRESS, ratelimit.mailbox(address)
    ):
        log.info("portal link dropped: too many requests for one address")
        return
    try:
        message_id = await _queue_link(address, _locale(locale))
    except _UnknownAddress as unknown:
        message_id = unknown.message_id
    if redis is not None:
        # Enqueued either way: the send job of an undone mail finds nothing to send.
        await outbox.enqueue_send(redis, [message_id])


class _UnknownAddress(Exception):
    def __init__(self, message_id: int):
        super().__init__("no profile")
        self.message_id = message_id


async def _queue_link(address: str, locale: Locale) -> int:
    """Issues the token and queues the mail; for an address without a profile the same
    statements run and are rolled back, so both answer after the same work (issue 11)."""
    ttl = tokens.DEFAULT_TTL[TokenPurpose.PORTAL]
    async with in_transaction("default"):
        candidate = await Candidate.get_or_none(email_normalized=address, erased_at__isnull=True)
        candidate_id = candidate.id if candidate else None
        raw = await tokens.issue(TokenPurpose.PORTAL, email=address, candidate_id=candidate_id)
        subject = i18n.translate(locale, "mail.portal_link.subject")
        body = i18n.translate(locale, "mail.portal_link.body")
        message, _ = await outbox.queue_mail(
            kind=MailKind.PORTAL_LINK,
            recipient=(candidate.email if candidate else None) or address,
            subject=subject,
            body_text=body.format(url=f"{get_settings().public_url}/me/{raw}", days=ttl.days),
            locale=locale,
            dedupe_key=f"portal-link:{tokens.hash_token(raw)}",
            candidate_id=candidate_id,
        )
        if candidate is None:
            raise _UnknownAddress(message.id)
    return message.id


async def candidate_for(raw: str) -> Candidate:
    """The live candidate a portal token belongs to.

    Raises:
        DomainError: NOT_FOUND (unknown token, erased profile) / EXPIRED.
    """
    if not raw or len(raw) > 200:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    token = await tokens.find(raw, TokenPurpose.PORTAL)
    if token.candidate_id is None:  # type: ignore[attr-defined]
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    try:
        return await candidates.live(token.candidate_id)  # type: ignore[attr-defined]
    except NotFound as error:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"]) from error


async def _follow_up_companies(candidate_id: int) -> list[Company]:
    """Companies the person may give follow-up consent to: those that referred them."""
    ids = set(await Referral.filter(candidate_id=candidate_id).values_list("company_id", flat=True))
    ids |= set(
        await Consent.filter(candidate_id=candidate_id, scope=ConsentScope.FOLLOW_UP).values_list(
            "company_id", flat=True
        )
    )
    ids.discard(None)
    return await Company.filter(id__in=list(ids)).order_by("name", "id")


async def introductions(candidate_id: int) -> list[IntroductionItem]:
    rows = await Introduction.filter(candidate_id=candidate_id).order_by("-requested_at", "-id")
    companies = {c.id: c for c in await Company.filter(id__in=list({r.company_id for r in rows}))}
    openings = {o.id: o for o in await Opening.filter(id__in=list({r.opening_id for r in rows}))}
    return [
        IntroductionItem(
            id=r.id,
            company_name=companies[r.company_id].name if r.company_id in companies else "",
            opening_title=openings[r.opening_id].title if r.opening_id in openings else "",
            status=IntroductionStatus(r.status),
            requested_at=r.requested_at,
            expires_at=r.expires_at,
            responded_at=r.responded_at,
        )
        for r in rows
    ]


async def page(candidate: Candidate, locale: Locale | str = Locale.JA) -> PortalPage:
    """Everything the portal shows."""
    states = await consent.current(candidate.id)
    follow_ups = [
        FollowUpConsent(
            c.id,
            c.name,
            bool(
                states.get((ConsentScope.FOLLOW_UP, c.id))
                and states[(ConsentScope.FOLLOW_UP, c.id)].granted
            ),
        )
        for c in await _follow_up_companies(candidate.id)
    ]
    sharing = states.get((ConsentScope.NETWORK_SHARING, None))
    return PortalPage(
        candidate=candidate,
        form=await candidates.profile_input(candidate, locale),
        sharing=bool(sharing and sharing.granted),
        follow_ups=follow_ups,
        introductions=await introductions(candidate.id),
        matching=await opening_view.matching(candidate.id, locale),
    )


async def update_profile(
    candidate_id: int, data: candidates.ProfileInput, *, redis: ArqRedis | None = None
) -> Candidate:
    """Saves the edited profile (its network matches follow through ``match_candidate``).

    Raises:
        DomainError: field errors; NOT_FOUND for an erased profile.
    """
    profile = candidates.validate(data)
    tag_ids = await candidates.resolve_tags(profile)
    async with in_transaction("default"):
        candidate = await candidates.live(candidate_id, for_update=True)
        await candidate.save(update_fields=candidates.apply(candidate, profile, tag_ids))
    await matching.enqueue_candidate(redis, candidate.id)
    return candidate


async def set_consent(
    candidate_id: int,
    scope: ConsentScope,
    granted: bool,
    *,
    company_id: int | None = None,
    redis: ArqRedis | None = None,
) -> Consent | None:
    """Gives or withdraws one consent, effective at once.

    Appends a record only when the answer changes (a double submit adds nothing). Withdrawing
    NETWORK_SHARING takes the person out of matching at once (``Candidate.sharing``); granting
    it may qualify their first registered referral.

    Raises:
        DomainError: NOT_FOUND (erased profile, or a company that never referred the person).
    """
    qualified = None
    async with in_transaction("default"):
        candidate = await candidates.live(candidate_id, for_update=True)
        if scope == ConsentScope.FOLLOW_UP:
            allowed = {c.id for c in await _follow_up_companies(candidate.id)}
            if company_id not in allowed:
                raise NotFound("company", ["company"])
        else:
            company_id = None
        if await consent.is_granted(candidate.id, scope, company_id) == granted:
            return None
        row = await consent.record(
            candidate, scope, granted, source=consent.SOURCE_PORTAL, company_id=company_id
        )
        if scope == ConsentScope.NETWORK_SHARING and granted:
            qualified = await registration.qualify(candidate)
    if redis is not None and qualified is not None:
        await queue.enqueue(redis, registration.SETTLE_JOB, qualified)
    if scope == ConsentScope.NETWORK_SHARING:
        await matching.enqueue_candidate(redis, candidate_id)
    return row


async def respond_introduction(candidate_id: int, introduction_id: int, accept: bool) -> None:
    """Answers an introduction request through ``server.network.introductions.respond``.

    Raises:
        DomainError: NOT_FOUND (not this person's request), WRONG_STATE (the request is no
            longer open).
    """
    await candidates.live(candidate_id)
    if not await Introduction.exists(id=introduction_id, candidate_id=candidate_id):
        raise NotFound("introduction", ["introduction"])
    await introduction_answers.respond(candidate_id, introduction_id, accept)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def export(candidate_id: int) -> dict[str, Any]:
    """Everything the network holds about the person, as JSON-ready data (GDPR Art. 15/20)."""
    candidate = await candidates.live(candidate_id)
    grouped = await candidates.tags_by_field(candidate.tag_ids, candidate.locale)
    consents = await Consent.filter(candidate_id=candidate.id).order_by("created_at", "id")
    referrals = await Referral.filter(candidate_id=candidate.id).order_by("id")
    provisions = await ProvisionRecord.filter(candidate_id=candidate.id).order_by("id")
    company_ids = {r.company_id for r in referrals} | {p.company_id for p in provisions}
    company_ids |= {c.company_id for c in consents if c.company_id}
    names = {c.id: c.name for c in await Company.filter(id__in=list(company_ids))}
    return {
        "exported_at": datetime.now(UTC).isoformat(),
        "profile": {
            "email": candidate.email,
            "display_name": candidate.display_name,
            "headline": candidate.headline,
            "experience_years": candidate.experience_years,
            "tags": grouped,
            "desired_conditions": candidate.desired_conditions,
            "locale": str(candidate.locale),
            "sharing": candidate.sharing,
            "paused_until": _iso(candidate.paused_until),
            "created_at": _iso(candidate.created_at),
            "updated_at": _iso(candidate.updated_at),
        },
        "consents": [
            {
                "scope": str(c.scope),
                "company": names.get(c.company_id) if c.company_id else None,
                "granted": c.granted,
                "terms_version": c.terms_version,
                "source": c.source,
                "at": _iso(c.created_at),
            }
            for c in consents
        ],
        "referrals": [
            {
                "company": names.get(r.company_id),
                "source": str(r.source),
                "status": str(r.status),
                "created_at": _iso(r.created_at),
                "registered_at": _iso(r.registered_at),
            }
            for r in referrals
        ],
        "introductions": [
            {
                "company": i.company_name,
                "opening": i.opening_title,
                "status": str(i.status),
                "requested_at": _iso(i.requested_at),
                "responded_at": _iso(i.responded_at),
                "expires_at": _iso(i.expires_at),
            }
            for i in await introductions(candidate.id)
        ],
        "provided_to_companies": [
            {
                "company": names.get(p.company_id),
                "items": p.items,
                "provided_at": _iso(p.provided_at),
            }
            for p in provisions
        ],
    }


async def erase(candidate_id: int, *, redis: ArqRedis | None = None) -> Candidate:
    """Erases the person's profile (see :func:`server.candidates.profiles.erase`)."""
    return await candidates.erase(candidate_id, redis=redis)
