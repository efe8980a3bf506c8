"""The network's time zone: Japan time for dates in mails and pages and for the network's
report weeks, unless a company set its own (``Company.timezone``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "Asia/Tokyo"
JAPAN = ZoneInfo(DEFAULT)


def zone(name: str | None) -> ZoneInfo:
    """The named time zone, Japan time when unset or unknown."""
    try:
        return ZoneInfo(name or DEFAULT)
    except (ZoneInfoNotFoundError, ValueError):
        return JAPAN
