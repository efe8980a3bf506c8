"""Per-request context: the caller, the queue, and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from arq.connections import ArqRedis
from strawberry.types import Info as StrawberryInfo

from server.config import Settings
from server.principal import Principal

L = TypeVar("L")


@dataclass
class Context:
    principal: Principal | None
    settings: Settings
    redis: ArqRedis
    loaders: dict[type, Any] = field(default_factory=dict)
    # Set when a resolver failed because the database could not be reached: the transport
    # answers 503 instead of a masked error (schema/schema.py).
    database_unavailable: bool = False

    def loader(self, cls: type[L]) -> L:
        """The request's loader of class ``cls`` (a ``schema.dataloader.Loader``)."""
        found = self.loaders.get(cls)
        if found is None:
            found = self.loaders[cls] = cls(self)
        return found

    def end(self) -> None:
        """Drops the request's loaders when it is answered: they refer to the context, a cycle
        only the collector's full passes would free (schema/execution.py)."""
        self.loaders.clear()

    def forget(self, cls: type) -> None:
        """Drops a loader's cache after a mutation changed what it holds."""
        self.loaders.pop(cls, None)

    @property
    def caller(self) -> Principal:
        assert self.principal is not None, "resolver reached without IsAuthenticated"
        return self.principal


Info = StrawberryInfo[Context, None]
