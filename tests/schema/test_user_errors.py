"""Every mutation answers a DomainError with its payload's userErrors, through one extension:
a mutation without it would answer bad input with 「Unexpected error.」."""

from __future__ import annotations

import pytest

from schema.errors import UserErrors
from schema.schema import schema
from server.errors import DomainError, ErrorCode

MUTATIONS = schema.get_type_by_name("Mutation").fields


@pytest.mark.parametrize("field", MUTATIONS, ids=lambda f: f.name)
async def test_a_domain_error_becomes_the_payloads_user_errors(field):
    [extension] = [e for e in field.extensions if isinstance(e, UserErrors)]

    async def resolver(source, info, **kwargs):
        raise DomainError(ErrorCode.NOT_FOUND, "Nothing here.", field=["name"])

    payload = await extension.resolve_async(resolver, None, None)

    assert isinstance(payload, field.type)
    [error] = payload.user_errors
    assert (error.field, error.code, error.message) == (
        ["input", "name"],
        ErrorCode.NOT_FOUND,
        "Nothing here.",
    )
