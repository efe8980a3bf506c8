"""Server-side ``/admin`` sessions: revocable by logout, key revocation and expiry."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_talent_pool")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AdminSession",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("session_hash", fields.CharField(max_length=64, unique=True)),
                (
                    "api_key",
                    fields.ForeignKeyField(
                        "models.ApiKey",
                        source_field="api_key_id",
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("ended_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "admin_session",
                "app": "models",
                "indexes": [Index(fields=["api_key_id"])],
                "pk_attr": "id",
                "table_description": (
                    "An operator's ``/admin`` login: the cookie holds a random id, only its "
                    "hash is here."
                ),
            },
            bases=["Model"],
        ),
    ]
