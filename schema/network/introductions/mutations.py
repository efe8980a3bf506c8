"""requestIntroduction, markIntroductionHired."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.dataloaders import CompanyLoader
from schema.context import Info
from schema.errors import UserError, mutation
from schema.network.introductions.types import Introduction
from schema.permissions import IsCompany
from server import idempotency
from server import models as m
from server.network import introductions


@strawberry.input(description="Ask a matched network candidate to meet, for one credit.")
class RequestIntroductionInput:
    opening_id: relay.GlobalID = strawberry.field(
        description="One of the calling company's OPEN openings."
    )
    candidate_id: relay.GlobalID = strawberry.field(
        description="The CandidateCard of a candidate from `matches`."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description=f"Up to {idempotency.MAX_KEY_LENGTH} characters: a retry with the same key "
        "returns the first introduction and spends no second credit; the same key with another "
        "input is IDEMPOTENCY_KEY_REUSED.",
    )


@strawberry.input(description="An accepted introduction that ended in a hire.")
class MarkIntroductionHiredInput:
    introduction_id: relay.GlobalID = strawberry.field(
        description="An ACCEPTED introduction of the calling company."
    )


@strawberry.type(description="The introduction, or why not.")
class IntroductionPayload:
    introduction: Introduction | None = strawberry.field(
        default=None, description="The introduction; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="INSUFFICIENT_CREDITS, NOT_MATCHABLE, NOT_FOUND, WRONG_STATE, "
        "IDEMPOTENCY_KEY_REUSED, INVALID.",
    )


async def _run(info: Info, work: Callable[[], Awaitable[m.Introduction]]) -> IntroductionPayload:
    row = await work()
    info.context.forget(CompanyLoader)  # the balance changed
    return IntroductionPayload(introduction=Introduction.from_model(row), user_errors=[])


@strawberry.type
class IntroductionMutations:
    @mutation(
        permission_classes=[IsCompany],
        description="Spends one credit and mails the candidate an accept/decline request "
        "(14 days to answer; a decline or expiry refunds the credit).",
    )
    async def request_introduction(
        self,
        info: Info,
        input: Annotated[
            RequestIntroductionInput,
            strawberry.argument(description="The opening and the candidate to introduce."),
        ],
    ) -> IntroductionPayload:
        opening_id = node.decode(str(input.opening_id), "Opening")[1]
        candidate_id = node.decode(str(input.candidate_id), "CandidateCard")[1]
        return await _run(
            info,
            lambda: introductions.request(
                info.context.caller,
                opening_id,
                candidate_id,
                input.idempotency_key,
                redis=info.context.redis,
            ),
        )

    @mutation(
        permission_classes=[IsCompany],
        description="Records that an accepted introduction ended in a hire (repeating is a no-op).",
    )
    async def mark_introduction_hired(
        self,
        info: Info,
        input: Annotated[
            MarkIntroductionHiredInput,
            strawberry.argument(description="The introduction that ended in a hire."),
        ],
    ) -> IntroductionPayload:
        introduction_id = node.decode(str(input.introduction_id), "Introduction")[1]
        return await _run(
            info, lambda: introductions.mark_hired(info.context.caller, introduction_id)
        )
