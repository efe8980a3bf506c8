"""Network matching: tag weights (IDF), each open opening's best matches and what they were
built from; plus the indexes server.eligibility's exclusions probe per matched row."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_constraints')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OpeningMatch',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('opening', fields.ForeignKeyField('models.Opening', source_field='opening_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('candidate', fields.ForeignKeyField('models.Candidate', source_field='candidate_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('score', fields.FloatField()),
                ('matched_tag_ids', ArrayField(default=list, element_type='INT')),
            ],
            options={'table': 'opening_match', 'app': 'models', 'unique_together': (('opening_id', 'candidate_id'),), 'indexes': [Index(fields=['opening_id', 'score', 'candidate_id']), Index(fields=['candidate_id'])], 'pk_attr': 'id', 'table_description': "One of an open opening's best-scoring candidates (server.matching keeps the table)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpeningMatchRun',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('opening', fields.OneToOneField('models.Opening', source_field='opening_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag_ids', ArrayField(default=list, element_type='INT')),
                ('remote_ok', fields.BooleanField()),
                ('floor_score', fields.FloatField(default=0)),
                ('built_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'opening_match_run', 'app': 'models', 'pk_attr': 'id', 'table_description': "What an opening's matches were last built from, so a sweeper finds stale ones."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TagWeight',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('tag', fields.OneToOneField('models.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('candidate_count', fields.IntField()),
                ('weight', fields.FloatField()),
                ('refreshed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'tag_weight', 'app': 'models', 'pk_attr': 'id', 'table_description': "A tag's IDF among the candidates who share with the network, refreshed by a cron."},
            bases=['Model'],
        ),
        ops.RunSQL(
            [
                "CREATE INDEX applicant_company_email ON applicant (company_id, email_normalized)",
                "CREATE INDEX referral_company_candidate ON referral (company_id, candidate_id)",
            ],
            reverse_sql=[
                "DROP INDEX applicant_company_email",
                "DROP INDEX referral_company_candidate",
            ],
        ),
    ]
