"""Nested objects read with their page, completed without a resolver per row.

An application's `opening` and `applicant`, an opening's `tags`: each is an async resolver
behind a DataLoader, so a page of 20 rows ran 20 coroutines, futures and awaits per field in
graphql-core and Strawberry, about half of the page's CPU (bench/README.md). When a page's
resolver sees such a field selected (``selects``), it reads the values for the whole page at
once, through the same loaders and core functions (the same statements, scoped alike), and
stores each row's value in the attribute the resolver names with ``@preloaded``. The executor
(schema/execution.py) then reads that attribute like a plain field and completes the rows in
one pass. A row without the attribute set (a node by id, a mutation's payload, a page that
did not preload, a value the loader did not find) goes through the resolver as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from strawberry.types.nodes import SelectedField

from schema.context import Info

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "preloaded_as"  # on the resolver: the attribute that may hold its value


def preloaded(attribute: str) -> Callable[[F], F]:
    """Marks a resolver (with no arguments but ``info``) whose value a page may have stored in
    ``self.<attribute>`` beforehand; None there means "not loaded", so the field is non-null."""

    def mark(resolver: F) -> F:
        setattr(resolver, ATTRIBUTE, attribute)
        return resolver

    return mark


def selects(info: Info, *path: str) -> bool:
    """Whether the query selects ``path`` (field names) below the current field, fragments
    included. A field skipped by ``@skip`` / ``@include`` counts as selected: preloading it
    costs a read, never a different answer."""
    return _selects(info.selected_fields, (info.field_name, *path))


def _selects(selections: Iterable[Any], path: tuple[str, ...]) -> bool:
    if not path:
        return True
    for selection in selections:
        if not isinstance(selection, SelectedField):  # a fragment: its fields are ours
            if _selects(selection.selections, path):
                return True
        elif selection.name == path[0] and _selects(selection.selections, path[1:]):
            return True
    return False
