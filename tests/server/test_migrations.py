"""The committed migrations and the models agree, and the database has their constraints."""

from __future__ import annotations

import pytest
from tortoise import Tortoise, connections
from tortoise.exceptions import IntegrityError
from tortoise.migrations.autodetector import MigrationAutodetector

from server.db import tortoise_config
from server.models import Company


async def test_models_and_migrations_agree(settings):
    config = tortoise_config(settings.database_url)
    autodetector = MigrationAutodetector(Tortoise.apps, config["apps"])

    changes = await autodetector.changes()

    assert changes == [], "models changed without a migration: run `tortoise makemigrations`"


async def test_database_enforces_the_non_negative_balance():
    company = await Company.create(name="x", slug="x", join_code="x")

    with pytest.raises(IntegrityError):
        await Company.filter(id=company.id).update(credit_balance=-1)


async def test_matching_reads_tag_arrays_through_gin_indexes():
    rows = await connections.get("default").execute_query_dict(
        "SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gin%'"
    )

    assert {r["tablename"] for r in rows} >= {"candidate", "opening"}
