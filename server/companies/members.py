"""A company's console members: invitations, roles, removal, and the mailed sign-in links.

Members sign in by a link mailed to their address (single use, :data:`SIGN_IN_TTL`; an
invitation's link lives :data:`INVITATION_TTL`). Only owners and admins manage members
(``Permission.MANAGE``); an admin cannot touch an owner, and the last owner stays.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from server import audit, i18n
from server.companies import member_sessions
from server.config import get_settings
from server.errors import DomainError, ErrorCode, FieldError, NotFound
from server.mail import outbox
from server.models import (
    Company,
    CompanyStatus,
    MailKind,
    MailMessage,
    MailStatus,
    Member,
    MemberRole,
    MemberSignIn,
)
from server.principal import Permission, Principal
from server.text import is_email, normalize, normalize_email
from server.tokens import hash_token, new_token

SIGN_IN_TTL = timedelta(minutes=15)
INVITATION_TTL = timedelta(days=7)
MAX_LINKS_PER_HOUR = 5  # sign-in links per member: a form cannot flood a mailbox
MAX_NAME = 100


def scoped(principal: Principal):
    """The caller's company's current members."""
    return Member.filter(company_id=principal.require_company(), removed_at__isnull=True)


def visible(principal: Principal):
    """Members the caller may read: its company's (removed ones too, as audit names them), or
    every one for the operator."""
    if principal.is_operator:
        return Member.all()
    return Member.filter(company_id=principal.require_company())


async def get(principal: Principal, member_id: int) -> Member:
    member = await scoped(principal).get_or_none(id=member_id)
    if member is None:
        raise NotFound("member", ["memberId"])
    return member


def _check(email: str, name: str) -> None:
    errors = []
    if not is_email(email):
        errors.append(FieldError(ErrorCode.INVALID, "not an email address", ["email"]))
    if len(name) > MAX_NAME:
        errors.append(FieldError(ErrorCode.TOO_LONG, f"at most {MAX_NAME} characters", ["name"]))
    if errors:
        raise DomainError.many(errors)


def _may_touch(principal: Principal, role: MemberRole) -> None:
    """Only an owner (or an API key, or the operator) gives or touches the owner role."""
    if role == MemberRole.OWNER and principal.role not in (None, MemberRole.OWNER):
        raise DomainError(ErrorCode.FORBIDDEN, "only an owner can do this to an owner", ["role"])


async def invite(
    principal: Principal, email: str, name: str = "", role: MemberRole = MemberRole.RECRUITER
) -> Member:
    """Adds a member to the caller's company and mails the invitation (a sign-in link)."""
    principal.require(Permission.MANAGE)
    company_id = principal.require_company()
    _may_touch(principal, role)
    email, name = normalize_email(email), normalize(name)
    _check(email, name)
    async with in_transaction("default"):
        member = await _add(company_id, email, name, role, principal.member_id)
        await audit.record(principal, "member.invite", "Member", member.id, role=role.value)
    return member


async def _add(
    company_id: int, email: str, name: str, role: MemberRole, invited_by: int | None
) -> Member:
    existing = await Member.filter(company_id=company_id, email=email).select_for_update().first()
    if existing is not None and existing.removed_at is None:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "already a member", ["email"])
    if existing is not None:  # invited again after removal
        existing.update_from_dict(
            {"name": name, "role": role, "removed_at": None, "joined_at": None}
        )
        existing.invited_by_id = invited_by
        await existing.save()
        member = existing
    else:
        member = await Member.create(
            company_id=company_id, email=email, name=name, role=role, invited_by_id=invited_by
        )
    await _mail_link(member, invitation=True)
    return member


async def add_owner(principal: Principal, company: Company, email: str, name: str = "") -> Member:
    """The first owner of a company the operator creates (in the caller's transaction)."""
    principal.require_operator()
    email, name = normalize_email(email), normalize(name)
    _check(email, name)
    member = await _add(company.id, email, name, MemberRole.OWNER, None)
    await audit.record(principal, "member.invite", "Member", member.id, role="OWNER")
    return member


async def resend_invitation(principal: Principal, member_id: int) -> Member:
    """Mails a not-yet-joined member a new invitation (the company's admins or the operator)."""
    if principal.is_operator:
        member = await Member.get_or_none(id=member_id, removed_at__isnull=True)
    else:
        principal.require(Permission.MANAGE)
        member = await scoped(principal).get_or_none(id=member_id)
    if member is None:
        raise NotFound("member", ["memberId"])
    if member.joined_at is not None:
        raise DomainError(ErrorCode.WRONG_STATE, "this member has already joined", ["memberId"])
    async with in_transaction("default"):
        await _mail_link(member, invitation=True)
        await audit.record(principal, "member.reinvite", "Member", member.id)
    return member


async def change_role(principal: Principal, member_id: int, role: MemberRole) -> Member:
    principal.require(Permission.MANAGE)
    async with in_transaction("default"):
        member = await _locked(principal, member_id)
        _may_touch(principal, member.role)
        _may_touch(principal, role)
        if member.role == MemberRole.OWNER and role != MemberRole.OWNER:
            await _keep_an_owner(member)
        member.role = role
        await member.save(update_fields=["role"])
        await audit.record(principal, "member.role", "Member", member.id, role=role.value)
    return member


async def remove(principal: Principal, member_id: int) -> Member:
    """Ends a membership and every session of it at once."""
    principal.require(Permission.MANAGE)
    async with in_transaction("default"):
        member = await _locked(principal, member_id)
        _may_touch(principal, member.role)
        if member.role == MemberRole.OWNER:
            await _keep_an_owner(member)
        member.removed_at = datetime.now(UTC)
        await member.save(update_fields=["removed_at"])
        await member_sessions.end_all(member.id)
        await audit.record(principal, "member.remove", "Member", member.id)
    return member


async def _locked(principal: Principal, member_id: int) -> Member:
    # The company row first: concurrent removals of two owners cannot both pass the check.
    await Company.filter(id=principal.require_company()).select_for_update().first()
    member = await scoped(principal).select_for_update().get_or_none(id=member_id)
    if member is None:
        raise NotFound("member", ["memberId"])
    return member


async def _keep_an_owner(member: Member) -> None:
    others = Member.filter(
        company_id=member.company_id, role=MemberRole.OWNER, removed_at__isnull=True
    ).exclude(id=member.id)
    if not await others.exists():
        raise DomainError(ErrorCode.WRONG_STATE, "a company keeps at least one owner", ["role"])


async def request_sign_in(email: str) -> list[int]:
    """Mails a sign-in link to each live membership of this address (in an active company).

    Says nothing about whether the address is known (the page answers the same either way).
    Returns the queued mails' ids, for the caller to hand to the queue after the commit.
    """
    email = normalize_email(email)
    if not is_email(email):
        raise DomainError(ErrorCode.INVALID, "not an email address", ["email"])
    members = await Member.filter(
        email=email, removed_at__isnull=True, company__status=CompanyStatus.ACTIVE
    )
    since = datetime.now(UTC) - timedelta(hours=1)
    queued = []
    async with in_transaction("default"):
        for member in members:
            if await MemberSignIn.filter(member_id=member.id, created_at__gt=since).count() < (
                MAX_LINKS_PER_HOUR
            ):
                queued.append(await _mail_link(member, invitation=False))
    return queued


async def pending_mails(member_id: int) -> list[int]:
    """The member's sign-in mails not sent yet (for the adapter to queue after the commit)."""
    member = await Member.get(id=member_id)
    return await MailMessage.filter(
        kind=MailKind.MEMBER_SIGN_IN,
        status=MailStatus.PENDING,
        company_id=member.company_id,
        recipient=member.email,
    ).values_list("id", flat=True)


async def _mail_link(member: Member, *, invitation: bool) -> int:
    raw = new_token()
    ttl = INVITATION_TTL if invitation else SIGN_IN_TTL
    link = await MemberSignIn.create(
        member_id=member.id, token_hash=hash_token(raw), expires_at=datetime.now(UTC) + ttl
    )
    company = await Company.get(id=member.company_id)
    kind = "member_invitation" if invitation else "member_sign_in"
    values = {
        "name": member.name or member.email,
        "company": company.name,
        "url": f"{get_settings().public_url}/app/sign-in/{raw}",
        "minutes": int(SIGN_IN_TTL.total_seconds() // 60),
        "days": INVITATION_TTL.days,
    }
    message, _ = await outbox.queue_mail(
        kind=MailKind.MEMBER_SIGN_IN,
        recipient=member.email,
        subject=i18n.translate(member.locale, f"mail.{kind}.subject", **values),
        body_text=i18n.translate(member.locale, f"mail.{kind}.body", **values),
        locale=member.locale,
        company_id=company.id,
        dedupe_key=f"member-sign-in:{link.id}",
    )
    return message.id


async def sign_in_url(member: Member) -> str:
    """A sign-in link that is not mailed, valid as long as an invitation (the development
    demo prints one for its HR user)."""
    raw = new_token()
    await MemberSignIn.create(
        member_id=member.id,
        token_hash=hash_token(raw),
        expires_at=datetime.now(UTC) + INVITATION_TTL,
    )
    return f"{get_settings().public_url}/app/sign-in/{raw}"
