"""Registration from a referral link (flow 3): the profile, the consents, and whom it counts for.

The token in ``/register/{token}`` is the referral's (a rejection mail's, or one issued when a
``/join/{code}`` address was confirmed); it proves the email address because it was mailed
there. Reading the page (:func:`load`) never changes anything: mail scanners prefetch links.
:func:`register` is the one state change, and a referral that is already registered makes it
a no-op, so a reused token or a double submit changes nothing.

One person counts for one company only, the first: a referral becomes ``QUALIFIED`` when the
person shares their profile with the network and no referral of theirs (by candidate or by
address, erased profiles included) has counted yet; the person's other registered referrals
become ``DUPLICATE``. Without sharing the referral stays ``REGISTERED`` and may still qualify
when the person grants sharing later in the portal (:func:`qualify`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from arq.connections import ArqRedis
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server import queue, tokens
from server.candidates import consent, registration_mails
from server.candidates import profiles as candidates
from server.errors import DomainError, ErrorCode
from server.mail import outbox
from server.models import (
    Applicant,
    Application,
    Candidate,
    Company,
    ConsentScope,
    Locale,
    Referral,
    ReferralStatus,
)
from server.network import matching, referral_fraud
from server.webhooks import emitters

log = logging.getLogger(__name__)

DONE = frozenset(
    {
        ReferralStatus.REGISTERED,
        ReferralStatus.QUALIFIED,
        ReferralStatus.SETTLED,
        ReferralStatus.DUPLICATE,
    }
)
COUNTED = frozenset({ReferralStatus.QUALIFIED, ReferralStatus.SETTLED})
CLOSED = frozenset({ReferralStatus.CANCELLED})
SETTLE_JOB = "settle_credits"


@dataclass
class RegistrationPage:
    """What ``/register/{token}`` shows."""

    referral: Referral
    company: Company
    email: str
    done: bool
    form: candidates.ProfileInput
    share: bool
    follow_up: bool


@dataclass
class RegistrationResult:
    candidate: Candidate | None
    referral: Referral
    company: Company
    already_done: bool
    qualified_company_id: int | None = None
    confirmation_id: int | None = None  # the registration confirmation mail


async def _referral(raw: str, *, for_update: bool = False) -> Referral:
    """The referral a registration token belongs to.

    Raises:
        DomainError: NOT_FOUND (unknown or cancelled), EXPIRED.
    """
    if not raw or len(raw) > 200:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    query = Referral.filter(token_hash=tokens.hash_token(raw))
    if for_update:
        query = query.select_for_update()
    referral = await query.first()
    if referral is None or referral.status in CLOSED:
        raise DomainError(ErrorCode.NOT_FOUND, "this link is not valid", ["token"])
    if referral.status in DONE:
        return referral
    if referral.status == ReferralStatus.EXPIRED or referral.expires_at <= datetime.now(UTC):
        raise DomainError(ErrorCode.EXPIRED, "this link has expired", ["token"])
    return referral


async def _applicant(referral: Referral) -> Applicant | None:
    if referral.application_id is None:
        return None
    application = await Application.get_or_none(id=referral.application_id)
    if application is None:
        return None
    return await Applicant.get_or_none(id=application.applicant_id)


def _display_email(referral: Referral, applicant: Applicant | None) -> str:
    if applicant is not None and applicant.email_normalized == referral.email_normalized:
        return applicant.email
    return referral.email_normalized


async def load(raw: str, locale: Locale | str = Locale.JA) -> RegistrationPage:
    """The registration form, prefilled; reads only.

    Raises:
        DomainError: NOT_FOUND, EXPIRED.
    """
    referral = await _referral(raw)
    company = await Company.get(id=referral.company_id)
    applicant = await _applicant(referral)
    existing = await Candidate.get_or_none(
        email_normalized=referral.email_normalized, erased_at__isnull=True
    )
    if existing is not None:
        form = await candidates.profile_input(existing, locale)
        share = existing.sharing
        follow_up = await consent.is_granted(existing.id, ConsentScope.FOLLOW_UP, company.id)
    else:
        form = candidates.ProfileInput(display_name=applicant.name if applicant else "")
        share = follow_up = False
    return RegistrationPage(
        referral=referral,
        company=company,
        email=_display_email(referral, applicant),
        done=referral.status in DONE,
        form=form,
        share=share,
        follow_up=follow_up,
    )


async def register(
    raw: str,
    data: candidates.ProfileInput,
    *,
    share: bool,
    follow_up: bool,
    locale: Locale | str = Locale.JA,
    source: str = consent.SOURCE_REGISTER,
    redis: ArqRedis | None = None,
    client_ip: str | None = None,
) -> RegistrationResult:
    """Creates or updates the person's Candidate from a referral and records both consents.

    Args:
        raw: the referral token from the link.
        data: the form as typed.
        share: consent to share the anonymised profile with partner companies.
        follow_up: consent to follow-up mails from the company behind the referral.
        locale: the language the person used (mails to them follow it).
        source: where the consent was given (stored on each Consent record).
        redis: for enqueueing ``settle_credits`` and ``match_candidate`` after the commit.
        client_ip: the registering person's address, for the fraud signals
            (server.network.referral_fraud).

    Raises:
        DomainError: NOT_FOUND / EXPIRED token; field errors of the profile.
    """
    referral = await _referral(raw)
    if referral.status in DONE:
        return RegistrationResult(
            None, referral, await Company.get(id=referral.company_id), already_done=True
        )
    profile = candidates.validate(data)
    tag_ids = await candidates.resolve_tags(profile)
    locale = Locale(str(locale)) if str(locale) in {"ja", "en"} else Locale.JA
    for attempt in range(3):
        try:
            result = await _register(
                raw, profile, tag_ids, share, follow_up, locale, source, client_ip
            )
            break
        except IntegrityError:
            # Two first registrations of one address raced on Candidate.email_normalized;
            # the retry finds the winner's row and updates it.
            if attempt == 2:
                raise
    if redis is not None and result.confirmation_id is not None:
        await outbox.enqueue_send(redis, [result.confirmation_id])
    if redis is not None and result.qualified_company_id is not None:
        await queue.enqueue(redis, SETTLE_JOB, result.qualified_company_id)
    if result.candidate is not None and result.candidate.sharing:
        await matching.enqueue_candidate(redis, result.candidate.id)
    return result


async def _register(
    raw: str,
    profile: candidates.Profile,
    tag_ids: list[int],
    share: bool,
    follow_up: bool,
    locale: Locale,
    source: str,
    client_ip: str | None = None,
) -> RegistrationResult:
    now = datetime.now(UTC)
    async with in_transaction("default"):
        referral = await _referral(raw, for_update=True)
        company = await Company.get(id=referral.company_id)
        if referral.status in DONE:
            return RegistrationResult(None, referral, company, already_done=True)
        applicant = await _applicant(referral)
        email = _display_email(referral, applicant)
        candidate = (
            await Candidate.filter(email_normalized=referral.email_normalized)
            .select_for_update()
            .first()
        )
        if candidate is None:
            candidate = Candidate(email=email, email_normalized=referral.email_normalized)
        candidate.locale = locale
        candidates.apply(candidate, profile, tag_ids)
        await candidate.save()
        await consent.record(
            candidate, ConsentScope.NETWORK_SHARING, share, source=source, company_id=None
        )
        await consent.record(
            candidate, ConsentScope.FOLLOW_UP, follow_up, source=source, company_id=company.id
        )
        referral.status = ReferralStatus.REGISTERED
        referral.registered_at = now
        referral.candidate_id = candidate.id
        flagged = await referral_fraud.flag(referral, company, client_ip)
        await referral.save(update_fields=["status", "registered_at", "candidate_id", *flagged])
        await emitters.referral(referral, "REGISTERED")
        qualified = await qualify(candidate)
        await referral.refresh_from_db()
        confirmation = await registration_mails.queue_confirmation(
            candidate, company, referral.id, locale
        )
    return RegistrationResult(candidate, referral, company, False, qualified, confirmation.id)


async def qualify(candidate: Candidate) -> int | None:
    """Decides whom the person counts for (inside a transaction holding the candidate's lock).

    If none of the person's referrals has counted yet and the person shares their profile,
    their earliest registered referral becomes QUALIFIED. Once one has counted, every other
    registered referral of theirs becomes DUPLICATE.

    Returns:
        The id of the company whose referral just qualified (to settle its credits), or None.
    """
    now = datetime.now(UTC)
    person = Q(candidate_id=candidate.id)
    if candidate.email_normalized:
        person = person | Q(email_normalized=candidate.email_normalized)
    # Locked in primary-key order (like every other lock taker), then read in the order the
    # person registered.
    locked = await Referral.filter(person).select_for_update().order_by("id").all()
    referrals = sorted(locked, key=lambda r: (r.registered_at or now, r.id))
    counted = any(r.status in COUNTED for r in referrals)
    qualified_company_id = None
    if not counted and candidate.sharing and candidate.erased_at is None:
        first = next((r for r in referrals if r.status == ReferralStatus.REGISTERED), None)
        if first is not None:
            first.status = ReferralStatus.QUALIFIED
            first.qualified_at = now
            await first.save(update_fields=["status", "qualified_at"])
            await emitters.referral(first, "QUALIFIED")
            counted = True
            qualified_company_id = first.company_id
    if counted:
        for referral in referrals:
            if referral.status == ReferralStatus.REGISTERED:
                referral.status = ReferralStatus.DUPLICATE
                referral.closed_at = now
                await referral.save(update_fields=["status", "closed_at"])
    return qualified_company_id
