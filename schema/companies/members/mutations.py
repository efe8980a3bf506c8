"""inviteMember / changeMemberRole / removeMember / resendInvitation, and the members query."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.members.types import Member, MemberRole
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsAuthenticated, IsCompany
from server import models as m
from server.companies import members


@strawberry.input(description="A person to invite to the company's console.")
class InviteMemberInput:
    email: str = strawberry.field(description="Their address: the invitation link goes there.")
    name: str = strawberry.field(default="", description="Display name, up to 100 characters.")
    role: MemberRole = strawberry.field(  # type: ignore[valid-type]
        default=m.MemberRole.RECRUITER, description="RECRUITER unless set."
    )


@strawberry.input
class ChangeMemberRoleInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member to change.")
    role: MemberRole = strawberry.field(description="The new role.")  # type: ignore[valid-type]


@strawberry.input
class MemberIdInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")


@strawberry.type
class MemberPayload:
    member: Member | None = strawberry.field(
        default=None, description="The member as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


def _id(global_id: relay.GlobalID) -> int:
    return node.decode(str(global_id), "Member")[1]


@strawberry.type
class MemberQueries:
    @strawberry.field(
        permission_classes=[IsCompany], description="The company's console members, oldest first."
    )
    async def members(self, info: Info) -> list[Member]:
        rows = await members.scoped(info.context.caller).order_by("id")
        return [Member.from_model(row) for row in rows]


@strawberry.type
class MemberMutations:
    @mutation(
        permission_classes=[IsCompany],
        description="Invites a person to the console: their sign-in link is mailed at once.",
    )
    async def invite_member(
        self,
        info: Info,
        input: Annotated[InviteMemberInput, strawberry.argument(description="Who to invite.")],
    ) -> MemberPayload:
        row = await members.invite(
            info.context.caller, input.email, input.name, m.MemberRole(input.role)
        )
        return MemberPayload(member=Member.from_model(row), user_errors=[])

    @mutation(permission_classes=[IsCompany], description="Gives a member another role.")
    async def change_member_role(
        self,
        info: Info,
        input: Annotated[ChangeMemberRoleInput, strawberry.argument(description="The change.")],
    ) -> MemberPayload:
        row = await members.change_role(
            info.context.caller, _id(input.member_id), m.MemberRole(input.role)
        )
        return MemberPayload(member=Member.from_model(row), user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Removes a member; every session of theirs ends at once.",
    )
    async def remove_member(
        self,
        info: Info,
        input: Annotated[MemberIdInput, strawberry.argument(description="Who to remove.")],
    ) -> MemberPayload:
        row = await members.remove(info.context.caller, _id(input.member_id))
        return MemberPayload(member=Member.from_model(row), user_errors=[])

    @mutation(
        permission_classes=[IsAuthenticated],
        description="Mails a new invitation to a member who has not signed in yet (the "
        "company's admins, or the operator for a company's first owner).",
    )
    async def resend_invitation(
        self,
        info: Info,
        input: Annotated[MemberIdInput, strawberry.argument(description="Who to invite again.")],
    ) -> MemberPayload:
        row = await members.resend_invitation(info.context.caller, _id(input.member_id))
        return MemberPayload(member=Member.from_model(row), user_errors=[])
