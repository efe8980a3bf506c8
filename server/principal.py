"""Who is calling: the identity every company-scoped core function takes, and what it may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.errors import DomainError, ErrorCode
from server.models.kinds import MemberRole


class Permission(StrEnum):
    """What a console member's role allows (an API key, for machines, may do everything its
    company may)."""

    WRITE = "WRITE"  # change the company's data: openings, applications, mails, the pool
    MANAGE = "MANAGE"  # members, API keys, settings, webhooks


ALLOWED: dict[MemberRole, frozenset[Permission]] = {
    MemberRole.OWNER: frozenset(Permission),
    MemberRole.ADMIN: frozenset(Permission),
    MemberRole.RECRUITER: frozenset({Permission.WRITE}),
    MemberRole.VIEWER: frozenset(),
}


@dataclass(frozen=True)
class Principal:
    api_key_id: int | None
    company_id: int | None
    # A console member (server/companies/members.py); None for an API key.
    member_id: int | None = None
    role: MemberRole | None = None

    @property
    def is_operator(self) -> bool:
        return self.company_id is None

    def require_company(self) -> int:
        """The caller's company id; operators have none."""
        if self.company_id is None:
            raise DomainError(ErrorCode.FORBIDDEN, "this operation needs a company API key")
        return self.company_id

    def require_operator(self) -> None:
        if not self.is_operator:
            raise DomainError(ErrorCode.FORBIDDEN, "this operation needs an operator API key")

    def can(self, permission: Permission) -> bool:
        return self.role is None or permission in ALLOWED[self.role]

    def require(self, permission: Permission) -> None:
        """Refuses a member whose role does not allow ``permission`` (viewers change nothing,
        recruiters manage neither members nor keys)."""
        if not self.can(permission):
            raise DomainError(ErrorCode.FORBIDDEN, "your role does not allow this")
