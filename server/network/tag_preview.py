"""What typed tag texts will become, shown before anything is saved (the console's tag picker).

The same rules as saving (:func:`server.network.tags.resolve_typed`): each item is split into
its parts, each part is NFKC-normalised and looked up by label, synonym or slug; a part that
names no tag would become a new, unreviewed tag of the default category. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.models import Tag, TagCategory
from server.network import tags
from server.text import fold, split_list_typed


class Match(StrEnum):
    LABEL = "LABEL"  # the text is the tag's name (after NFKC and case folding)
    SYNONYM = "SYNONYM"  # a synonym, or a tag merged into this one
    NEW = "NEW"  # no tag yet: saving adds an unreviewed one


@dataclass(frozen=True)
class Part:
    text: str  # the part after NFKC, as it would be labelled
    match: Match
    category: TagCategory
    tag: Tag | None  # the existing tag, None for a new one


@dataclass(frozen=True)
class Item:
    typed: str  # the item as typed
    parts: list[Part]


def _match(tag: Tag, key: str) -> Match:
    if key in (tag.slug, fold(tag.label_ja), fold(tag.label_en)):
        return Match.LABEL
    return Match.SYNONYM


async def preview(text: str, category: TagCategory | None = None) -> list[Item]:
    """Each item of a typed list (``server.text.split_list``) with the tags it would
    resolve to; blank items are left out.

    Raises:
        DomainError: TOO_LONG for a text over ``tags.MAX_TAG_LENGTH`` characters.
    """
    typed_items = [
        (typed, item) for typed, item in split_list_typed(text) if tags.display_text(item)
    ]
    items = [item for _, item in typed_items]
    groups = await tags.typed_parts(items, category)
    parts = [part for group in groups for part in group]
    found = await tags.resolve_each(parts, category, create=False, across=category is not None)
    new_category = category or tags.DEFAULT_CATEGORY
    out = []
    for (typed, _), group in zip(typed_items, groups, strict=True):
        shown = []
        for part in group:
            text = tags.display_text(part)
            if not text:
                continue
            tag = found.get(text.casefold())
            if tag is None:
                shown.append(Part(text, Match.NEW, new_category, None))
            else:
                key = tags.normalize_tag_text(part)
                shown.append(Part(text, _match(tag, key), TagCategory(tag.category), tag))
        out.append(Item(typed, shown))
    return out
