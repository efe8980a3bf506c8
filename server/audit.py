"""Audit trail of operator and security-relevant actions."""

from __future__ import annotations

from typing import Any

from server.models import AuditEvent
from server.principal import Principal


async def record(
    principal: Principal | None,
    action: str,
    target_type: str = "",
    target_id: object = "",
    **data: Any,
) -> AuditEvent:
    """Appends one audit event naming the calling key or console member."""
    return await AuditEvent.create(
        api_key_id=principal.api_key_id if principal else None,
        company_id=principal.company_id if principal else None,
        member_id=principal.member_id if principal else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        data=data,
    )
