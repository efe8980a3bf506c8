"""createOpening, updateOpening, closeOpening, reopenOpening."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.applications.openings.types import Opening
from schema.context import Info
from schema.errors import UserError, mutation
from schema.permissions import IsCompany
from server import idempotency
from server import models as m
from server.applications import openings


@strawberry.input(description="A new opening.")
class CreateOpeningInput:
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str = strawberry.field(default="", description="Up to 20,000 characters.")
    tags: list[str] = strawberry.field(
        default_factory=list,
        description="Up to 100 free-text tags, normalised (NFKC, synonyms) to the taxonomy; an "
        "item joined by ・ or / is split into its parts unless it names one tag (CI/CD).",
    )
    remote_ok: bool = strawberry.field(
        default=True, description="Whether remote work is possible; true unless set."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=f"1 to {idempotency.MAX_KEY_LENGTH} characters: a retry with the same key "
        "returns the first opening; the same key with another input is IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.input(description="Changes to an opening; omitted fields stay as they are.")
class UpdateOpeningInput:
    opening_id: relay.GlobalID = strawberry.field(description="An opening of the calling company.")
    title: str | None = strawberry.field(
        default=None, description=f"1 to {openings.MAX_TITLE} characters."
    )
    description: str | None = strawberry.field(
        default=None, description=f"Up to {openings.MAX_DESCRIPTION:,} characters."
    )
    tags: list[str] | None = strawberry.field(
        default=None,
        description=f"Up to {openings.MAX_TAGS} tags, read as in createOpening; replaces the "
        "current list.",
    )
    remote_ok: bool | None = strawberry.field(
        default=None, description="Whether remote work is possible."
    )


@strawberry.input(description="An opening to close.")
class CloseOpeningInput:
    opening_id: relay.GlobalID = strawberry.field(
        description="An opening of the calling company; closing a closed one is a no-op."
    )


@strawberry.input(description="A closed opening to open again.")
class ReopenOpeningInput:
    opening_id: relay.GlobalID = strawberry.field(
        description="An opening of the calling company; reopening an open one is a no-op."
    )


@strawberry.type
class OpeningPayload:
    opening: Opening | None = strawberry.field(
        default=None, description="The opening as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


def _payload(opening: m.Opening) -> OpeningPayload:
    return OpeningPayload(opening=Opening.from_model(opening))


def _id(global_id: relay.GlobalID) -> int:
    return node.decode(str(global_id), "Opening")[1]


@strawberry.type
class OpeningMutations:
    @mutation(permission_classes=[IsCompany], description="Opens a new opening.")
    async def create_opening(
        self,
        info: Info,
        input: Annotated[
            CreateOpeningInput, strawberry.argument(description="The opening to create.")
        ],
    ) -> OpeningPayload:
        return _payload(
            await openings.create(
                info.context.caller,
                input.title,
                input.description,
                input.tags,
                remote_ok=input.remote_ok,
                idempotency_key=input.idempotency_key,
                redis=info.context.redis,
            )
        )

    @mutation(permission_classes=[IsCompany], description="Edits an opening.")
    async def update_opening(
        self,
        info: Info,
        input: Annotated[
            UpdateOpeningInput, strawberry.argument(description="The opening and its changes.")
        ],
    ) -> OpeningPayload:
        return _payload(
            await openings.update(
                info.context.caller,
                _id(input.opening_id),
                title=input.title,
                description=input.description,
                tag_texts=input.tags,
                remote_ok=input.remote_ok,
                redis=info.context.redis,
            )
        )

    @mutation(permission_classes=[IsCompany], description="Closes an opening.")
    async def close_opening(
        self,
        info: Info,
        input: Annotated[
            CloseOpeningInput, strawberry.argument(description="The opening to close.")
        ],
    ) -> OpeningPayload:
        return _payload(
            await openings.set_status(
                info.context.caller,
                _id(input.opening_id),
                m.OpeningStatus.CLOSED,
                redis=info.context.redis,
            )
        )

    @mutation(permission_classes=[IsCompany], description="Reopens a closed opening.")
    async def reopen_opening(
        self,
        info: Info,
        input: Annotated[
            ReopenOpeningInput, strawberry.argument(description="The opening to reopen.")
        ],
    ) -> OpeningPayload:
        return _payload(
            await openings.set_status(
                info.context.caller,
                _id(input.opening_id),
                m.OpeningStatus.OPEN,
                redis=info.context.redis,
            )
        )
