"""Company-private applicant records, upserted on ``(company, external_id)``."""

from __future__ import annotations

from collections.abc import Sequence

from server import rows
from server.errors import ErrorCode, FieldError
from server.models import Applicant
from server.principal import Principal
from server.text import is_email, normalize, normalize_email

MAX_NAME = 200
MAX_EXTERNAL_ID = 200


def scoped(principal: Principal):
    return Applicant.filter(company_id=principal.require_company())


async def by_ids(principal: Principal, ids: Sequence[int]) -> list[Applicant]:
    """The caller's applicants with these ids (a page's loader), in no order."""
    return await rows.by_ids(Applicant, ids, principal.require_company())


def check(name: str, email: str, external_id: str | None, prefix: list[str]) -> list[FieldError]:
    """Field errors of one applicant's data (empty when valid)."""
    errors = []
    if not name:
        errors.append(FieldError(ErrorCode.REQUIRED, "name is required", [*prefix, "name"]))
    elif len(name) > MAX_NAME:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG, f"name is at most {MAX_NAME} characters", [*prefix, "name"]
            )
        )
    if not email:
        errors.append(FieldError(ErrorCode.REQUIRED, "email is required", [*prefix, "email"]))
    elif not is_email(email):
        errors.append(
            FieldError(ErrorCode.INVALID, f"{email!r} is not an email address", [*prefix, "email"])
        )
    if external_id is not None and len(external_id) > MAX_EXTERNAL_ID:
        errors.append(
            FieldError(
                ErrorCode.TOO_LONG, "externalId is at most 200 characters", [*prefix, "externalId"]
            )
        )
    return errors


def clean(name: str, email: str) -> tuple[str, str, str]:
    """Normalised name, trimmed email and its lookup form."""
    email = normalize(email)
    return normalize(name), email, normalize_email(email)
