"""Who is calling: the identity every company-scoped core function takes."""

from __future__ import annotations

from dataclasses import dataclass

from server.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class Principal:
    api_key_id: int | None
    company_id: int | None

    @property
    def is_operator(self) -> bool:
        return self.company_id is None

    def require_company(self) -> int:
        """The caller's company id; operators have none."""
        if self.company_id is None:
            raise DomainError(ErrorCode.FORBIDDEN, "this operation needs a company API key")
        return self.company_id

    def require_operator(self) -> None:
        if not self.is_operator:
            raise DomainError(ErrorCode.FORBIDDEN, "this operation needs an operator API key")
