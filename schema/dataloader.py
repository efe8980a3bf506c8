"""The DataLoader base: one instance per class and request, built on first use.

A subclass implements ``fetch`` (ids to found values, scoped to ``self.caller``); a
resolver calls ``SomeLoader.of(info).load(id)``. Every nested object of a connection page
goes through one, so a page costs the same number of statements whatever its size.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Generic, Self, TypeVar
from weakref import WeakMethod

from strawberry.dataloader import DataLoader

from schema.context import Context, Info
from server.principal import Principal

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Loader(DataLoader[K, V | None], Generic[K, V]):
    """Batches ``load(id)`` calls of one request into one ``fetch(ids)`` call."""

    default: Any = None  # the value of an id ``fetch`` did not find

    def __init__(self, context: Context):
        # Not load_fn=self._load: a loader referring to itself is a cycle, and its request's
        # rows could then only be freed by a full collection (schema/execution.py).
        load = WeakMethod(self._load)
        super().__init__(load_fn=lambda ids: load()(ids))
        self.context = context

    @classmethod
    def of(cls, info: Info) -> Self:
        """The request's loader of this class."""
        return info.context.loader(cls)

    @property
    def caller(self) -> Principal:
        return self.context.caller

    async def fetch(self, ids: Sequence[K]) -> Mapping[K, V]:
        raise NotImplementedError

    async def _load(self, ids: list[K]) -> list[V | None]:
        found = await self.fetch(ids)
        return [found.get(i, self.default) for i in ids]
