"""Per-request loaders for introduction relations, every lookup scoped to the caller."""

from __future__ import annotations

from schema.dataloader import Loader
from server.models import Candidate
from server.network import introductions


class IntroducedCandidateLoader(Loader[int, Candidate]):
    """Candidates introduced to the caller's company (erased ones too: their card is blank)."""

    async def fetch(self, ids):
        return await introductions.introduced_candidates(self.caller, ids)


class ContactLoader(Loader[int, introductions.Contact]):
    """Contact details by introduction id: only the caller's accepted ones."""

    async def fetch(self, ids):
        return await introductions.contacts(self.caller, ids)
