"""GraphQL types of tags, and the per-request tag DataLoader other types resolve tag ids with."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import strawberry
from strawberry import relay

from schema import node
from schema.companies.types import Locale
from schema.context import Info
from schema.network.tags.dataloaders import TagLoader
from server import models as m
from server.network import tags

TagCategory = strawberry.enum(
    m.TagCategory,
    description="Kind of tag: SKILL, JOB_TYPE, LOCATION (prefecture or city) or CONDITION "
    "(working conditions such as remote work or part-time).",
)


@strawberry.type(
    description="A tag of the network's shared taxonomy; free text is normalised to tags "
    "(NFKC, case folding, synonyms), and text that matches none becomes an unreviewed tag."
)
class Tag(relay.Node):
    id: relay.NodeID[int]
    category: TagCategory = strawberry.field(description="Kind of tag.")  # type: ignore[valid-type]
    slug: str = strawberry.field(
        description="Stable ASCII name, unique within the category, up to 100 characters."
    )
    label_ja: str = strawberry.field(description="Japanese label, up to 100 characters.")
    label_en: str = strawberry.field(description="English label, up to 100 characters.")
    synonyms: list[str] = strawberry.field(
        description="Other spellings (case-folded) that resolve to this tag."
    )
    reviewed: bool = strawberry.field(
        description="False while the tag, created from free text, awaits an operator's review."
    )

    @strawberry.field(description="The label in the given language.")
    def label(
        self,
        locale: Annotated[
            Locale,  # type: ignore[valid-type]
            strawberry.argument(description="Language of the label (default JA)."),
        ] = m.Locale.JA,
    ) -> str:
        return self.label_en if locale == m.Locale.EN else self.label_ja

    @classmethod
    def from_model(cls, tag: m.Tag | tags.TagRow) -> Tag:
        return cls(
            id=tag.id,
            category=tag.category,
            slug=tag.slug,
            label_ja=tag.label_ja,
            label_en=tag.label_en,
            synonyms=list(tag.synonyms),
            reviewed=tag.reviewed,
        )


async def load_tags(info: Info, tag_ids: Iterable[int]) -> list[Tag]:
    """GraphQL tags of a ``tag_ids`` array, in its order; ids of deleted tags are skipped."""
    rows = await TagLoader.of(info).load_many(list(tag_ids))
    return [Tag.from_model(row) for row in rows if row is not None]


async def tags_by_id(tag_ids: Iterable[int]) -> dict[int, Tag]:
    """The tags of a whole page by id, in one read (the page is its own batch: a DataLoader
    would add a future per tag)."""
    return {tag_id: Tag.from_model(row) for tag_id, row in (await tags.by_ids(tag_ids)).items()}


def pick(tags: dict[int, Tag], ids: Iterable[int]) -> list[Tag]:
    """The tags of ``ids`` in their order; ids of deleted tags are skipped."""
    return [tags[i] for i in ids if i in tags]


@node.register("Tag")
async def load_tag(info: Info, tag_id: int) -> Tag | None:
    row = await TagLoader.of(info).load(tag_id)
    return Tag.from_model(row) if row else None
