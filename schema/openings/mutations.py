"""createOpening, updateOpening, closeOpening, reopenOpening."""

from __future__ import annotations

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.errors import UserError, user_errors
from schema.openings.types import Opening
from schema.permissions import IsCompany
from server import models as m
from server import openings
from server.errors import DomainError


@strawberry.input(description="A new opening.")
class CreateOpeningInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str = strawberry.field(default="", description="Up to 20,000 characters.")
    tags: list[str] = strawberry.field(
        default_factory=list,
        description="Up to 100 free-text tags, normalised (NFKC, synonyms) to the taxonomy.",
    )
    remote_ok: bool = True
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the first opening."
    )


@strawberry.input(description="Changes to an opening; omitted fields stay as they are.")
class UpdateOpeningInput:
    opening_id: relay.GlobalID
    title: str | None = None
    description: str | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Up to 100 tags.")
    remote_ok: bool | None = None


@strawberry.input
class CloseOpeningInput:
    opening_id: relay.GlobalID


@strawberry.input
class ReopenOpeningInput:
    opening_id: relay.GlobalID


@strawberry.type
class OpeningPayload:
    opening: Opening | None
    user_errors: list[UserError]


async def _run(work) -> OpeningPayload:
    try:
        opening = await work()
    except DomainError as error:
        return OpeningPayload(opening=None, user_errors=user_errors(error))
    return OpeningPayload(opening=Opening.from_model(opening), user_errors=[])


def _id(global_id: relay.GlobalID) -> int:
    return node.decode(str(global_id), "Opening")[1]


@strawberry.type
class OpeningMutations:
    @strawberry.mutation(permission_classes=[IsCompany], description="Opens a new opening.")
    async def create_opening(self, info: Info, input: CreateOpeningInput) -> OpeningPayload:
        return await _run(
            lambda: openings.create(
                info.context.caller,
                input.title,
                input.description,
                input.tags,
                remote_ok=input.remote_ok,
                idempotency_key=input.idempotency_key,
                redis=info.context.redis,
            )
        )

    @strawberry.mutation(permission_classes=[IsCompany], description="Edits an opening.")
    async def update_opening(self, info: Info, input: UpdateOpeningInput) -> OpeningPayload:
        return await _run(
            lambda: openings.update(
                info.context.caller,
                _id(input.opening_id),
                title=input.title,
                description=input.description,
                tag_texts=input.tags,
                remote_ok=input.remote_ok,
                redis=info.context.redis,
            )
        )

    @strawberry.mutation(permission_classes=[IsCompany], description="Closes an opening.")
    async def close_opening(self, info: Info, input: CloseOpeningInput) -> OpeningPayload:
        return await _run(
            lambda: openings.set_status(
                info.context.caller,
                _id(input.opening_id),
                m.OpeningStatus.CLOSED,
                redis=info.context.redis,
            )
        )

    @strawberry.mutation(permission_classes=[IsCompany], description="Reopens a closed opening.")
    async def reopen_opening(self, info: Info, input: ReopenOpeningInput) -> OpeningPayload:
        return await _run(
            lambda: openings.set_status(
                info.context.caller,
                _id(input.opening_id),
                m.OpeningStatus.OPEN,
                redis=info.context.redis,
            )
        )
