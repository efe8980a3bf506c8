"""Per-request loader of members (the caller's company's, or any for operators)."""

from __future__ import annotations

from schema.dataloader import Loader
from server.companies import members
from server.models import Member


class MemberLoader(Loader[int, Member]):
    async def fetch(self, ids):
        return {m.id: m for m in await members.visible(self.caller).filter(id__in=ids)}
