"""updateFollowUpPolicy; addPoolNote, deletePoolNote, sendPoolOpening."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.mutations import CompanyPayload
from schema.companies.types import Company
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsCompany
from schema.pool.types import PoolNote
from server.pool import followup_policy, notes, reapproach


@strawberry.input(description="Changes to the follow-up policy; fields left out stay as they are.")
class UpdateFollowUpPolicyInput:
    delays_days: list[int] | None = strawberry.field(
        default=None,
        description="Days after a rejection for each follow-up: at most 5, each 1 to 1095, "
        "increasing without repeats (e.g. [182, 365]); [] sends none.",
    )
    enabled: bool | None = strawberry.field(
        default=None, description="Whether follow-ups and new-opening alerts go out at all."
    )
    send_without_match: bool | None = strawberry.field(
        default=None,
        description="Whether a follow-up goes out when no open opening fits the person.",
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone for dates in mails, e.g. Asia/Tokyo."
    )


@strawberry.input(description="A note on a person of the company's talent pool.")
class AddPoolNoteInput:
    pool_entry_id: relay.GlobalID = strawberry.field(description="The PoolEntry (the person).")
    body: str = strawberry.field(description="The note, 1 to 2,000 characters.")


@strawberry.input
class DeletePoolNoteInput:
    note_id: relay.GlobalID = strawberry.field(description="A PoolNote the caller wrote.")


@strawberry.input(description="One open opening to send to a person of the talent pool.")
class SendPoolOpeningInput:
    pool_entry_id: relay.GlobalID = strawberry.field(description="The PoolEntry (the person).")
    opening_id: relay.GlobalID = strawberry.field(
        description="An OPEN opening of the company the person never applied to."
    )


@strawberry.type
class PoolNotePayload:
    note: PoolNote | None = strawberry.field(
        default=None, description="The note as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.type
class DeletePoolNotePayload:
    deleted_note_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The deleted note's ID; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.type
class SendPoolOpeningPayload:
    send_after: datetime | None = strawberry.field(
        default=None,
        description="When the mail goes out (UTC): now, or later when the caps hold it back.",
    )
    held: bool = strawberry.field(
        default=False,
        description="Whether the caps hold it back until sendAfter: one opening per person "
        "per company in 30 days, and the person's network-wide budget of such mails.",
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


def _pk(global_id: relay.GlobalID, type_name: str) -> int:
    return node.decode(str(global_id), type_name)[1]


@strawberry.type
class TalentPoolMutations:
    @mutation(
        permission_classes=[IsCompany],
        description="Changes when and whether the company's talent pool is followed up.",
    )
    async def update_follow_up_policy(
        self,
        info: Info,
        input: Annotated[
            UpdateFollowUpPolicyInput, strawberry.argument(description="The changes to make.")
        ],
    ) -> CompanyPayload:
        company = await followup_policy.update_policy(
            info.context.caller,
            delays_days=input.delays_days,
            enabled=input.enabled,
            send_without_match=input.send_without_match,
            timezone=input.timezone,
        )
        return CompanyPayload(company=Company.from_model(company), user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Adds a note on a person of the talent pool (seen by the company's members "
        "only; audited naming the member).",
    )
    async def add_pool_note(
        self,
        info: Info,
        input: Annotated[AddPoolNoteInput, strawberry.argument(description="The note.")],
    ) -> PoolNotePayload:
        note = await notes.add(
            info.context.caller,
            _pk(input.pool_entry_id, "PoolEntry"),
            input.body,
            datetime.now(UTC),
        )
        return PoolNotePayload(note=PoolNote.from_note(note), user_errors=[])

    @mutation(permission_classes=[IsCompany], description="Deletes a note the caller wrote.")
    async def delete_pool_note(
        self,
        info: Info,
        input: Annotated[DeletePoolNoteInput, strawberry.argument(description="The note.")],
    ) -> DeletePoolNotePayload:
        await notes.delete(info.context.caller, _pk(input.note_id, "PoolNote"), datetime.now(UTC))
        return DeletePoolNotePayload(deleted_note_id=input.note_id, user_errors=[])

    @mutation(
        permission_classes=[IsCompany],
        description="Mails one open opening to a person of the talent pool, with a re-apply "
        "link, if they can be mailed (follow-up consent, not paused, not in process). Within "
        "the caps it waits rather than being dropped: see held and sendAfter.",
    )
    async def send_pool_opening(
        self,
        info: Info,
        input: Annotated[SendPoolOpeningInput, strawberry.argument(description="What to send.")],
    ) -> SendPoolOpeningPayload:
        sent = await reapproach.send_opening(
            info.context.caller,
            _pk(input.pool_entry_id, "PoolEntry"),
            _pk(input.opening_id, "Opening"),
            datetime.now(UTC),
            info.context.redis,
        )
        return SendPoolOpeningPayload(send_after=sent.send_after, held=sent.held, user_errors=[])
