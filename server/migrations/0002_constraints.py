"""Creates the CHECK and partial UNIQUE constraints declared in the models' Meta.

Tortoise 1.1's CreateModel records ``Meta.constraints`` in the migration state but does not
emit them, so the state matches the models while the database would lack them; this
migration adds them to the database without touching the state.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                "ALTER TABLE company ADD CONSTRAINT company_balance_not_negative "
                "CHECK (credit_balance >= 0)",
                "ALTER TABLE credit_entry ADD CONSTRAINT credit_balance_after_not_negative "
                "CHECK (balance_after >= 0)",
                "ALTER TABLE application ADD CONSTRAINT application_evaluation_range "
                "CHECK (evaluation IS NULL OR evaluation BETWEEN 1 AND 5)",
                "CREATE UNIQUE INDEX referral_one_link_per_email "
                "ON referral (company_id, email_normalized) WHERE source = 'LINK'",
            ],
            reverse_sql=[
                "ALTER TABLE company DROP CONSTRAINT company_balance_not_negative",
                "ALTER TABLE credit_entry DROP CONSTRAINT credit_balance_after_not_negative",
                "ALTER TABLE application DROP CONSTRAINT application_evaluation_range",
                "DROP INDEX referral_one_link_per_email",
            ],
        ),
    ]
