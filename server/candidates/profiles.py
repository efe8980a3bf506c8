"""Candidate profiles: validation of what a person types, tags, and erasure.

The profile belongs to the person. Registration (``server.candidates.registration``) and the portal
(``server.candidates.portal``) both edit it through :func:`validate` + :func:`resolve_tags` +
:func:`apply`; :func:`erase` wipes it while the referrals, counts and ledger stay.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from arq.connections import ArqRedis
from tortoise.transactions import in_transaction

from server import i18n
from server.candidates import consent
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.mail import outbox
from server.models import (
    Candidate,
    CandidateToken,
    Company,
    Locale,
    MailKind,
    MailMessage,
    MailStatus,
    PoolNote,
    ProvisionRecord,
    Tag,
    TagCategory,
)
from server.network import cards, introduction_answers, matching, tags
from server.text import normalize, split_list
from server.webhooks import emitters

MAX_NAME = 100
MAX_HEADLINE = 200
MAX_CONDITIONS = 1000
MAX_YEARS = 60
MAX_TAGS = 20  # per category
MAX_TAG_LENGTH = 50

# Form field -> tag category, in the order the forms show them.
TAG_FIELDS: dict[str, TagCategory] = {
    "skills": TagCategory.SKILL,
    "job_types": TagCategory.JOB_TYPE,
    "locations": TagCategory.LOCATION,
    "conditions": TagCategory.CONDITION,
}


@dataclass
class ProfileInput:
    """What a person typed into the profile form (raw strings)."""

    display_name: str = ""
    headline: str = ""
    experience_years: str = ""
    skills: str = ""
    job_types: str = ""
    locations: str = ""
    conditions: str = ""
    desired_conditions: str = ""


@dataclass
class Profile:
    """A validated profile, tags still as text."""

    display_name: str
    headline: str
    experience_years: int
    tags: dict[TagCategory, list[str]] = field(default_factory=dict)
    desired_conditions: str = ""


def clean(text: str, *, multiline: bool = False) -> str:
    """Drops control characters (PostgreSQL refuses NUL); NFKC; trims.

    One-line fields collapse whitespace; multi-line fields keep their line breaks.
    """
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
    )
    if not multiline:
        return normalize(text)
    lines = [normalize(line) for line in unicodedata.normalize("NFKC", text).splitlines()]
    return "\n".join(lines).strip()


def split_tags(text: str) -> list[str]:
    """Free text to tag texts (``server.text.split_list``), control characters dropped.

    Items joined by 中黒 or slashes stay whole here; :func:`resolve_tags` splits those that
    name no tag.
    """
    return split_list(clean(text, multiline=True))


def validate(data: ProfileInput) -> Profile:
    """Checks every field and reports all problems at once.

    Raises:
        DomainError: with one FieldError per bad field (field names are the form's).
    """
    errors: list[FieldError] = []
    name = clean(data.display_name)
    headline = clean(data.headline)
    conditions_text = clean(data.desired_conditions, multiline=True)
    if not name:
        errors.append(FieldError(ErrorCode.REQUIRED, "name is required", ["display_name"]))
    elif len(name) > MAX_NAME:
        errors.append(
            FieldError(ErrorCode.TOO_LONG, f"at most {MAX_NAME} characters", ["display_name"])
        )
    if not headline:
        errors.append(FieldError(ErrorCode.REQUIRED, "headline is required", ["headline"]))
    elif len(headline) > MAX_HEADLINE:
        errors.append(
            FieldError(ErrorCode.TOO_LONG, f"at most {MAX_HEADLINE} characters", ["headline"])
        )
    years_text = clean(data.experience_years)
    years = 0
    if not years_text:
        errors.append(FieldError(ErrorCode.REQUIRED, "years of experience", ["experience_years"]))
    elif not years_text.isascii() or not years_text.isdigit() or int(years_text) > MAX_YEARS:
        errors.append(
            FieldError(ErrorCode.INVALID, f"a whole number 0-{MAX_YEARS}", ["experience_years"])
        )
    else:
        years = int(years_text)
    if len(conditions_text) > MAX_CONDITIONS:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG, f"at most {MAX_CONDITIONS} characters", ["desired_conditions"]
            )
        )
    tag_texts: dict[TagCategory, list[str]] = {}
    for name_, category in TAG_FIELDS.items():
        texts = split_tags(getattr(data, name_))
        if len(texts) > MAX_TAGS:
            errors.append(FieldError(ErrorCode.TOO_LONG, f"at most {MAX_TAGS} entries", [name_]))
        elif any(len(t) > MAX_TAG_LENGTH for t in texts):
            errors.append(
                FieldError(
                    ErrorCode.TOO_LONG, f"each entry at most {MAX_TAG_LENGTH} characters", [name_]
                )
            )
        tag_texts[category] = texts
    if errors:
        raise DomainError.many(errors)
    return Profile(name, headline, years, tag_texts, conditions_text)


async def resolve_tags(profile: Profile) -> list[int]:
    """Tag ids for the profile's tag texts (creating unreviewed tags for new words).

    A text that names no tag of its field's category but exactly one reviewed tag of another
    (フルリモート typed as a location) resolves to that tag (``tags.resolve_typed``).
    """
    ids: list[int] = []
    for name, category in TAG_FIELDS.items():
        texts = profile.tags.get(category, [])
        if not texts:
            continue
        try:
            found = await tags.resolve_typed(texts, category)
        except DomainError as error:
            for e in error.errors:
                e.field = [name]
            raise
        ids.extend(t.id for t in found if t.id not in ids)
    return ids


def apply(candidate: Candidate, profile: Profile, tag_ids: list[int]) -> list[str]:
    """Copies the profile onto the candidate; returns the changed field names (for save)."""
    candidate.display_name = profile.display_name
    candidate.headline = profile.headline
    candidate.experience_years = profile.experience_years
    candidate.tag_ids = tag_ids
    candidate.desired_conditions = profile.desired_conditions
    return [
        "display_name",
        "headline",
        "experience_years",
        "tag_ids",
        "desired_conditions",
        "updated_at",
        *cards.keep_snapshot(candidate),
    ]


def label(tag: Tag | tags.TagRow, locale: Locale | str) -> str:
    if str(locale) == Locale.EN:
        return tag.label_en or tag.label_ja or tag.slug
    return tag.label_ja or tag.label_en or tag.slug


async def tags_by_field(tag_ids: list[int], locale: Locale | str) -> dict[str, list[str]]:
    """The candidate's tags as labels, grouped by form field."""
    found = await tags.by_ids(list(tag_ids)) if tag_ids else {}
    out: dict[str, list[str]] = {name: [] for name in TAG_FIELDS}
    by_category = {category: name for name, category in TAG_FIELDS.items()}
    for tag_id in tag_ids:
        tag = found.get(tag_id)
        if tag is not None:
            out[by_category[TagCategory(tag.category)]].append(label(tag, locale))
    return out


def join_tags(labels: list[str], locale: Locale | str) -> str:
    """Labels back into the text a form field shows."""
    return ("、" if str(locale) == Locale.JA else ", ").join(labels)


async def profile_input(candidate: Candidate, locale: Locale | str) -> ProfileInput:
    """The form values that show a stored profile."""
    grouped = await tags_by_field(candidate.tag_ids, locale)
    return ProfileInput(
        display_name=candidate.display_name,
        headline=candidate.headline,
        experience_years=str(candidate.experience_years),
        desired_conditions=candidate.desired_conditions,
        **{name: join_tags(labels, locale) for name, labels in grouped.items()},
    )


async def live(candidate_id: int, *, for_update: bool = False) -> Candidate:
    """A candidate that has not been erased.

    Raises:
        NotFound: unknown or erased.
    """
    query = Candidate.filter(id=candidate_id, erased_at__isnull=True)
    if for_update:
        query = query.select_for_update()
    candidate = await query.first()
    if candidate is None:
        raise NotFound("profile")
    return candidate


async def erase(candidate_id: int, *, redis: ArqRedis | None = None) -> Candidate:
    """Erases a profile at the person's request (GDPR Art. 17, APPI).

    Personal fields are wiped and every consent withdrawn in one transaction; referrals,
    counts and the credit ledger stay. Every company that received the person's contact
    details (a ProvisionRecord) is told through the outbox (GDPR Art. 19). Erasing twice is
    a no-op.

    Raises:
        NotFound: unknown candidate.
    """
    now = datetime.now(UTC)
    async with in_transaction("default"):
        candidate = await Candidate.select_for_update().get_or_none(id=candidate_id)
        if candidate is None:
            raise NotFound("profile")
        if candidate.erased_at is not None:
            return candidate
        await consent.withdraw_all(candidate, source=consent.SOURCE_ERASURE)
        await introduction_answers.decline_open(candidate.id, now)
        candidate.email = None
        candidate.email_normalized = None
        candidate.display_name = ""
        candidate.headline = ""
        candidate.experience_years = 0
        candidate.tag_ids = []
        candidate.desired_conditions = ""
        candidate.sharing = False
        candidate.shared_card = None
        candidate.paused_until = None
        candidate.erased_at = now
        await candidate.save()
        # Links mailed to the person stop working; mails not sent yet are not sent.
        await CandidateToken.filter(candidate_id=candidate.id).delete()
        # The companies' notes on the person go with the profile.
        await PoolNote.filter(candidate_id=candidate.id).delete()
        await MailMessage.filter(candidate_id=candidate.id, status=MailStatus.PENDING).update(
            status=MailStatus.CANCELLED
        )
        mail_ids = await _queue_erasure_notices(candidate.id)
    if redis is not None and mail_ids:
        await outbox.enqueue_send(redis, mail_ids)
    await matching.enqueue_candidate(redis, candidate.id)
    return candidate


async def _queue_erasure_notices(candidate_id: int) -> list[int]:
    provisions = await ProvisionRecord.filter(candidate_id=candidate_id).order_by("id")
    by_company: dict[int, list[ProvisionRecord]] = {}
    for record in provisions:
        by_company.setdefault(record.company_id, []).append(record)
    if not by_company:
        return []
    companies = await Company.filter(id__in=list(by_company)).order_by("id")
    ids = []
    for company in companies:
        records = by_company[company.id]
        items = sorted({str(item) for r in records for item in (r.items or [])})
        introduction_ids = sorted({r.introduction_id for r in records if r.introduction_id})
        await emitters.candidate_erased(candidate_id, company.id, introduction_ids)
        if not company.contact_email:
            continue
        locale = Locale(company.locale)
        subject = i18n.translate(locale, "mail.erasure_notice.subject")
        body = i18n.translate(locale, "mail.erasure_notice.body")
        values = {
            "candidate_id": candidate_id,
            "company_name": company.name,
            "introductions": ", ".join(f"#{i}" for i in introduction_ids) or "-",
            "items": ", ".join(items) or "-",
        }
        message, _ = await outbox.queue_mail(
            kind=MailKind.ERASURE_NOTICE,
            recipient=company.contact_email,
            subject=subject.format(**values),
            body_text=body.format(**values),
            locale=locale,
            dedupe_key=f"erasure:{candidate_id}:{company.id}",
            company_id=company.id,
        )
        ids.append(message.id)
    return ids
