"""The tags query: browse and search the taxonomy (for pickers and autocompletion)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.errors import PublicError
from schema.network.tags.dataloaders import TagLoader
from schema.network.tags.types import Tag, TagCategory
from schema.permissions import IsAuthenticated
from server import models as m
from server.errors import DomainError
from server.network import tags


@strawberry.type
class TagQueries:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description=f"Tags of the taxonomy, at most {tags.MAX_SEARCH_RESULTS}: reviewed tags "
        "first, then exact, prefix and substring matches. Merged tags are left out.",
    )
    async def tags(
        self,
        info: Info,
        category: Annotated[
            TagCategory | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only tags of this category."),
        ] = None,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Text to find in slugs, labels and synonyms, normalised like tags "
                f"(full-width, case); up to {tags.MAX_TAG_LENGTH} characters."
            ),
        ] = None,
    ) -> list[Tag]:
        try:
            rows = await tags.search(category and m.TagCategory(category), search)
        except DomainError as error:
            raise PublicError(str(error), error.errors[0].code) from error
        loader = TagLoader.of(info)
        for row in rows:
            loader.prime(row.id, row)
        return [Tag.from_model(row) for row in rows]
