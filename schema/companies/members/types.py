"""GraphQL types of console members."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from server import models as m
from server.companies import members

MemberRole = strawberry.enum(
    m.MemberRole,
    description="OWNER and ADMIN manage members, keys and settings; RECRUITER changes the "
    "company's data; VIEWER reads only.",
)


@strawberry.type(description="A person of the company who uses the console at /app.")
class Member(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Display name, up to 100 characters; may be empty.")
    email: str = strawberry.field(description="Where their sign-in links go.")
    role: MemberRole = strawberry.field(description="What they may do.")  # type: ignore[valid-type]
    created_at: datetime = strawberry.field(description="When they were invited (UTC).")
    joined_at: datetime | None = strawberry.field(
        description="Their first sign-in (UTC); null while the invitation is open."
    )

    @classmethod
    def from_model(cls, member: m.Member) -> Member:
        return cls(
            id=member.id,
            name=member.name,
            email=member.email,
            role=member.role,
            created_at=member.created_at,
            joined_at=member.joined_at,
        )


@node.register("Member")
async def load_member(info: Info, member_id: int) -> Member | None:
    row = await members.scoped(info.context.caller).get_or_none(id=member_id)
    return Member.from_model(row) if row else None
