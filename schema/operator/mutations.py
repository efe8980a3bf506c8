"""Operator mutations of the console: upsertTag, mergeTags, eraseCandidate (all audited)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.context import Info
from schema.errors import UserError, mutation
from schema.network.tags.dataloaders import TagLoader
from schema.network.tags.types import Tag, TagCategory
from schema.operator.queries import decode_candidate
from schema.permissions import IsOperator
from server import models as m
from server.network.tags import MAX_TAG_LENGTH
from server.operator import console, tag_upkeep


@strawberry.input(description="A tag to create, or the new state of an existing tag.")
class UpsertTagInput:
    id: relay.GlobalID | None = strawberry.field(
        default=None, description="The tag to edit; a new tag when unset."
    )
    category: TagCategory = strawberry.field(description="Kind of tag.")  # type: ignore[valid-type]
    slug: str = strawberry.field(
        description=f"a-z, 0-9 and -, up to {MAX_TAG_LENGTH} characters, unique in the category."
    )
    label_ja: str = strawberry.field(description=f"Japanese label, 1 to {MAX_TAG_LENGTH} chars.")
    label_en: str = strawberry.field(description=f"English label, 1 to {MAX_TAG_LENGTH} chars.")
    synonyms: list[str] = strawberry.field(
        default_factory=list,
        description=f"Other spellings that resolve to the tag (normalised, at most "
        f"{tag_upkeep.MAX_SYNONYMS}); replaces the current list.",
    )
    reviewed: bool = strawberry.field(default=True, description="Whether the tag is reviewed.")


@strawberry.type
class TagPayload:
    tag: Tag | None = strawberry.field(
        default=None, description="The tag as stored; null when userErrors is not empty."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="Tags to fold into one.")
class MergeTagsInput:
    source_ids: list[relay.GlobalID] = strawberry.field(
        description=f"Tags to merge away, 1 to {tag_upkeep.MAX_MERGE_SOURCES}, same category "
        "as the target."
    )
    target_id: relay.GlobalID = strawberry.field(description="The tag that remains.")


@strawberry.type(description="How many rows of one table now point at the target.")
class RepointedCount:
    table: str = strawberry.field(description="opening, applicant or candidate.")
    count: int = strawberry.field(description="Rows whose tags changed.")


@strawberry.type
class MergeTagsPayload:
    tag: Tag | None = strawberry.field(
        default=None, description="The target, with the sources' synonyms."
    )
    merged_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="The tags merged away."
    )
    repointed: list[RepointedCount] = strawberry.field(
        default_factory=list, description="Uses re-pointed, by table."
    )
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


@strawberry.input(description="A profile to erase on the person's request.")
class EraseCandidateInput:
    candidate_id: strawberry.ID = strawberry.field(description="A CandidateCard ID.")


@strawberry.type
class EraseCandidatePayload:
    candidate_id: strawberry.ID | None = strawberry.field(
        default=None, description="The erased profile."
    )
    erased_at: datetime | None = strawberry.field(default=None, description="When it was erased.")
    user_errors: list[UserError] = strawberry.field(
        default_factory=list, description="Expected failures, with the input field and a code."
    )


def _tag_id(global_id: relay.GlobalID) -> int:
    return node.decode(str(global_id), "Tag")[1]


@strawberry.type
class OperatorMutations:
    @mutation(
        permission_classes=[IsOperator],
        description="Operator: creates or edits a tag of the taxonomy, audited.",
    )
    async def upsert_tag(
        self,
        info: Info,
        input: Annotated[
            UpsertTagInput, strawberry.argument(description="The tag to create or edit.")
        ],
    ) -> TagPayload:
        changes = tag_upkeep.TagChanges(
            category=m.TagCategory(input.category),
            slug=input.slug,
            label_ja=input.label_ja,
            label_en=input.label_en,
            synonyms=input.synonyms,
            reviewed=input.reviewed,
        )
        tag_id = _tag_id(input.id) if input.id else None
        tag = await tag_upkeep.upsert(info.context.caller, changes, tag_id)
        info.context.forget(TagLoader)
        return TagPayload(tag=Tag.from_model(tag), user_errors=[])

    @mutation(
        permission_classes=[IsOperator],
        description="Operator: merges tags into one, re-pointing every opening, applicant and "
        "candidate in one transaction, audited.",
    )
    async def merge_tags(
        self,
        info: Info,
        input: Annotated[
            MergeTagsInput, strawberry.argument(description="The tags to merge and the target.")
        ],
    ) -> MergeTagsPayload:
        sources = [_tag_id(g) for g in input.source_ids]
        result = await tag_upkeep.merge(info.context.caller, sources, _tag_id(input.target_id))
        info.context.forget(TagLoader)
        return MergeTagsPayload(
            tag=Tag.from_model(result.target),
            merged_ids=[relay.GlobalID("Tag", str(i)) for i in result.merged],
            repointed=[RepointedCount(table=t, count=n) for t, n in result.repointed.items()],
            user_errors=[],
        )

    @mutation(
        permission_classes=[IsOperator],
        description="Operator: erases a candidate's profile on request (personal fields wiped, "
        "counts kept, receiving companies told), audited; erasing twice is a no-op.",
    )
    async def erase_candidate(
        self,
        info: Info,
        input: Annotated[
            EraseCandidateInput, strawberry.argument(description="The profile to erase.")
        ],
    ) -> EraseCandidatePayload:
        candidate_id = decode_candidate(str(input.candidate_id))
        assert candidate_id is not None
        candidate = await console.erase_candidate(
            info.context.caller, candidate_id, info.context.redis
        )
        return EraseCandidatePayload(
            candidate_id=strawberry.ID(str(relay.GlobalID("CandidateCard", str(candidate.id)))),
            erased_at=candidate.erased_at,
            user_errors=[],
        )
