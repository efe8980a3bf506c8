"""The exported SDL, as `strawberry export-schema` prints it."""

from __future__ import annotations

import strawberry
from strawberry.printer import print_schema


def sdl(schema: strawberry.Schema) -> str:
    return print_schema(schema) + "\n"
