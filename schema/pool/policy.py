"""The follow-up policy as shown on ``Company.followUpPolicy`` (no schema imports: the company
type imports it)."""

from __future__ import annotations

import strawberry

from server import models as m


@strawberry.type(description="When and whether the company's talent pool is followed up.")
class FollowUpPolicy:
    delays_days: list[int] = strawberry.field(
        description="Days after a rejection at which a follow-up mail goes out (1 to 5 delays, "
        "each 1 to 1095, increasing; default [182, 365])."
    )
    enabled: bool = strawberry.field(
        description="Whether follow-ups and new-opening alerts are sent at all."
    )
    send_without_match: bool = strawberry.field(
        description="Whether a follow-up goes out when no open opening fits the person."
    )
    timezone: str = strawberry.field(
        description="IANA time zone in which mails show dates (default Asia/Tokyo)."
    )

    @classmethod
    def from_model(cls, company: m.Company) -> FollowUpPolicy:
        return cls(
            delays_days=[int(d) for d in company.followup_delays or []],
            enabled=company.followup_enabled,
            send_without_match=company.followup_without_match,
            timezone=company.timezone,
        )
