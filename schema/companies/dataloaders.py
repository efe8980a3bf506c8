"""Per-request loaders of companies and their figures (scoped to the caller)."""

from __future__ import annotations

from schema.dataloader import Loader
from server.companies import accounts as companies
from server.models import Company
from server.network import referrals, settlement
from server.operator import console


class CompanyLoader(Loader[int, Company]):
    async def fetch(self, ids):
        return {c.id: c for c in await companies.scoped(self.caller).filter(id__in=ids)}


class CompanyFiguresLoader(Loader[int, console.CompanyFigures]):
    async def fetch(self, ids):
        return await console.company_figures(ids)


class ReferralCountsLoader(Loader[int, dict]):
    async def fetch(self, ids):
        return await referrals.counts_by_status_many(ids)


class ReferralProgressLoader(Loader[int, settlement.Progress]):
    async def fetch(self, ids):
        return await settlement.progress_many(ids)
