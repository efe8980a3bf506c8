"""Talent pool: indexes for the per-person mail budget (a person's capped mails), the alert
interval check, and the open consent reconfirmations."""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_matching")]

    initial = False

    operations = [
        ops.RunSQL(
            [
                "CREATE INDEX mail_message_candidate_kind ON mail_message "
                "(candidate_id, kind, send_after) WHERE candidate_id IS NOT NULL",
                "CREATE INDEX candidate_token_open_reconfirm ON candidate_token (candidate_id) "
                "WHERE purpose = 'RECONFIRM' AND used_at IS NULL",
            ],
            reverse_sql=[
                "DROP INDEX mail_message_candidate_kind",
                "DROP INDEX candidate_token_open_reconfirm",
            ],
        ),
    ]
