"""Per-request loaders for application relations (every lookup scoped to the caller)."""

from __future__ import annotations

from schema.dataloader import Loader
from server.applications import applicants
from server.applications import reasons as rejection_reasons
from server.applications import records as applications
from server.models import Applicant, Application, ApplicationEvent, RejectionReason


class ApplicantLoader(Loader[int, Applicant]):
    async def fetch(self, ids):
        return {a.id: a for a in await applicants.by_ids(self.caller, ids)}


class ApplicationLoader(Loader[int, Application]):
    async def fetch(self, ids):
        return {a.id: a for a in await applications.scoped(self.caller).filter(id__in=ids)}


class RejectionReasonLoader(Loader[int, RejectionReason]):
    async def fetch(self, ids):
        return {r.id: r for r in await rejection_reasons.scoped(self.caller).filter(id__in=ids)}


class HistoryLoader(Loader[int, list[ApplicationEvent]]):
    """Status changes by application id, oldest first."""

    async def fetch(self, ids):
        return await applications.histories(self.caller, ids)
