"""Per-request context: the caller, the queue, and the request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from strawberry.types import Info as StrawberryInfo

from server.config import Settings
from server.principal import Principal


@dataclass
class Context:
    principal: Principal | None
    settings: Settings
    redis: ArqRedis
    loaders: dict[str, Any] = field(default_factory=dict)
    # Set when a resolver failed because the database could not be reached: the transport
    # answers 503 instead of a masked error (schema/schema.py).
    database_unavailable: bool = False

    def loader(self, name: str, factory):
        """The request's DataLoader called ``name``, built on first use."""
        if name not in self.loaders:
            self.loaders[name] = factory(self)
        return self.loaders[name]

    @property
    def caller(self) -> Principal:
        assert self.principal is not None, "resolver reached without IsAuthenticated"
        return self.principal


Info = StrawberryInfo[Context, None]
