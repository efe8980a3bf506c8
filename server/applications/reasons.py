"""Each company's catalogue of rejection reasons, seeded with sensible defaults."""

from __future__ import annotations

from server import audit
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.models import RejectionKind, RejectionReason
from server.principal import Permission, Principal
from server.text import fold, normalize, slugify

DEFAULT_CODE = "other"
DEFAULTS = [
    (
        "skills_mismatch",
        "スキル・経験が要件に合わない",
        "Skills or experience do not match",
        RejectionKind.WE_REJECTED,
        True,
    ),
    (
        "other_candidate",
        "他の候補者に決定",
        "Another candidate was chosen",
        RejectionKind.WE_REJECTED,
        True,
    ),
    ("position_filled", "募集枠の充足", "The position was filled", RejectionKind.WE_REJECTED, True),
    (
        "conditions_mismatch",
        "条件面の不一致",
        "Conditions did not match",
        RejectionKind.WE_REJECTED,
        True,
    ),
    (
        "culture_fit",
        "志向・カルチャーの不一致",
        "Different direction or culture",
        RejectionKind.WE_REJECTED,
        True,
    ),
    (
        "candidate_withdrew",
        "候補者の辞退",
        "The candidate withdrew",
        RejectionKind.CANDIDATE_WITHDREW,
        True,
    ),
    (
        "misconduct",
        "不正・虚偽の申告",
        "Misconduct or false statements",
        RejectionKind.WE_REJECTED,
        False,
    ),
    (DEFAULT_CODE, "その他", "Other", RejectionKind.WE_REJECTED, True),
]


async def ensure_defaults(company_id: int) -> None:
    """Adds the default reasons a company does not have yet (safe to call again)."""
    have = set(await RejectionReason.filter(company_id=company_id).values_list("code", flat=True))
    await RejectionReason.bulk_create(
        [
            RejectionReason(
                company_id=company_id,
                code=code,
                name_ja=ja,
                name_en=en,
                kind=kind,
                offers_invitation=invites,
            )
            for code, ja, en, kind, invites in DEFAULTS
            if code not in have
        ]
    )


def scoped(principal: Principal):
    return RejectionReason.filter(company_id=principal.require_company())


async def find(company_id: int, text: str | None) -> tuple[RejectionReason, str]:
    """The catalogue entry a reason text names (by code or label) and the leftover note.

    Free text that names no entry is kept as the note under the ``other`` reason.
    """
    await ensure_defaults(company_id)
    reasons = await RejectionReason.filter(company_id=company_id, active=True)
    wanted = fold(text or "")
    for reason in reasons:
        if wanted in {reason.code, fold(reason.name_ja), fold(reason.name_en)}:
            return reason, ""
    by_code = {r.code: r for r in reasons}
    default = by_code.get(DEFAULT_CODE) or await RejectionReason.get(
        company_id=company_id, code=DEFAULT_CODE
    )
    return default, normalize(text or "")


async def upsert(
    principal: Principal,
    *,
    code: str | None,
    name_ja: str,
    name_en: str,
    kind: RejectionKind,
    offers_invitation: bool,
    active: bool = True,
) -> RejectionReason:
    """Creates or changes a catalogue entry (by code)."""
    principal.require(Permission.MANAGE)
    company_id = principal.require_company()
    name_ja, name_en = normalize(name_ja), normalize(name_en)
    code = slugify(code or name_en).replace("-", "_")
    errors = [
        FieldError(ErrorCode.REQUIRED, f"{f} is required", [f])
        for f, v in (("nameJa", name_ja), ("nameEn", name_en))
        if not v
    ]
    errors += [
        FieldError(ErrorCode.TOO_LONG, f"{f} is at most 200 characters", [f])
        for f, v in (("nameJa", name_ja), ("nameEn", name_en))
        if len(v) > 200
    ]
    if not code:
        errors.append(FieldError(ErrorCode.INVALID, "code needs letters or digits", ["code"]))
    if errors:
        raise DomainError.many(errors)
    await ensure_defaults(company_id)
    reason, created = await RejectionReason.update_or_create(
        company_id=company_id,
        code=code[:64],
        defaults={
            "name_ja": name_ja,
            "name_en": name_en,
            "kind": kind,
            "offers_invitation": offers_invitation,
            "active": active,
        },
    )
    await audit.record(
        principal, "rejection_reason.upsert", "RejectionReason", reason.id,
        code=reason.code, created=created, active=active,
    )  # fmt: skip
    return reason


async def get(principal: Principal, reason_id: int) -> RejectionReason:
    reason = await scoped(principal).get_or_none(id=reason_id)
    if reason is None:
        raise NotFound("rejection reason")
    return reason


async def add(
    principal: Principal,
    *,
    name_ja: str,
    name_en: str,
    kind: RejectionKind,
    offers_invitation: bool,
) -> RejectionReason:
    """A new catalogue entry (its code made from the English name).

    Raises:
        DomainError: ALREADY_EXISTS when an entry has that code already (rename it instead).
    """
    principal.require(Permission.MANAGE)
    code = slugify(name_en).replace("-", "_")[:64]
    if code and await scoped(principal).filter(code=code).exists():
        raise DomainError(ErrorCode.ALREADY_EXISTS, "a reason with this name exists", ["nameEn"])
    return await upsert(
        principal,
        code=code,
        name_ja=name_ja,
        name_en=name_en,
        kind=kind,
        offers_invitation=offers_invitation,
    )


async def change(
    principal: Principal,
    reason_id: int,
    *,
    name_ja: str | None = None,
    name_en: str | None = None,
    offers_invitation: bool | None = None,
    active: bool | None = None,
) -> RejectionReason:
    """Renames, (de)activates or changes the invitation of one of the caller's entries."""
    principal.require(Permission.MANAGE)
    reason = await get(principal, reason_id)
    return await upsert(
        principal,
        code=reason.code,
        name_ja=reason.name_ja if name_ja is None else name_ja,
        name_en=reason.name_en if name_en is None else name_en,
        kind=reason.kind,
        offers_invitation=reason.offers_invitation
        if offers_invitation is None
        else offers_invitation,
        active=reason.active if active is None else active,
    )
