"""Security and abuse guards (issue 11): the last shared card of a candidate, companies' link
domains and mail quota, company networks, referral fraud review and the CLAWBACK ledger kind."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.models import CreditKind, ReferralReview
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_admin_session')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CompanyNetwork',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('network', fields.CharField(max_length=64)),
                ('first_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'company_network', 'app': 'models', 'unique_together': (('company_id', 'network'),), 'indexes': [Index(fields=['network'])], 'pk_attr': 'id', 'table_description': "A network (IPv4 /24, IPv6 /64) a company's API keys were used from: a registration"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Candidate',
            name='shared_card',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Company',
            name='allowed_link_domains',
            field=ArrayField(default=list, element_type='TEXT'),
        ),
        ops.AddField(
            model_name='Company',
            name='daily_mail_quota',
            field=fields.IntField(null=True),
        ),
        ops.AlterField(
            model_name='CreditEntry',
            name='kind',
            field=fields.CharEnumField(description='SETTLEMENT: SETTLEMENT\nINTRODUCTION: INTRODUCTION\nREFUND: REFUND\nADJUSTMENT: ADJUSTMENT\nCLAWBACK: CLAWBACK', enum_type=CreditKind, max_length=16),
        ),
        ops.AddField(
            model_name='Referral',
            name='clawback',
            field=fields.ForeignKeyField('models.CreditEntry', source_field='clawback_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT),
        ),
        ops.AddField(
            model_name='Referral',
            name='fraud_flags',
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='Referral',
            name='registration_network',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='Referral',
            name='review',
            field=fields.CharEnumField(default=ReferralReview.NONE, description='NONE: NONE\nHELD: HELD\nAPPROVED: APPROVED\nREJECTED: REJECTED', enum_type=ReferralReview, max_length=16),
        ),
        ops.AddField(
            model_name='Referral',
            name='reviewed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]

