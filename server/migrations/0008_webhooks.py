"""Webhooks: endpoints, the delivery outbox and its attempt log; company notification switches."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models import DeliveryStatus, MailKind, WebhookFormat
from tortoise.contrib.postgres.fields import ArrayField
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [("models", "0007_company_mail_sender")]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(max_length=2000)),
                ('format', fields.CharEnumField(default=WebhookFormat.STANDARD, description='STANDARD: STANDARD\nSLACK: SLACK', enum_type=WebhookFormat, max_length=8)),
                ('events', ArrayField(default=list, element_type='TEXT')),
                ('secret', fields.CharField(max_length=100)),
                ('enabled', fields.BooleanField(default=True)),
                ('disabled_reason', fields.CharField(default='', max_length=500)),
                ('failure_streak', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'webhook_endpoint', 'app': 'models', 'indexes': [Index(fields=['company_id', 'enabled'])], 'pk_attr': 'id', 'table_description': "A company's receiver of events (server/webhooks/); the secret signs every request."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('message_id', fields.CharField(max_length=64)),
                ('event_type', fields.CharField(max_length=64)),
                ('payload', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: PENDING\nSENDING: SENDING\nDELIVERED: DELIVERED\nFAILED: FAILED', enum_type=DeliveryStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('retry_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_delivery', 'app': 'models', 'unique_together': (('endpoint_id', 'message_id'),), 'indexes': [Index(fields=['status', 'next_attempt_at']), Index(fields=['company_id', 'id'])], 'pk_attr': 'id', 'table_description': "The webhook outbox: one event for one endpoint, written in the event's transaction."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('delivery', fields.ForeignKeyField('models.WebhookDelivery', source_field='delivery_id', db_constraint=True, to_field='id', related_name='attempt_log', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('status_code', fields.IntField(null=True)),
                ('latency_ms', fields.IntField(default=0)),
                ('error', fields.CharField(default='', max_length=500)),
                ('response_excerpt', fields.CharField(default='', max_length=500)),
            ],
            options={'table': 'webhook_attempt', 'app': 'models', 'indexes': [Index(fields=['delivery_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One HTTP request of a delivery: what the receiver answered, and how fast.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Company',
            name='notify_digest',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Company',
            name='notify_introductions',
            field=fields.BooleanField(default=True),
        ),
        ops.AddField(
            model_name='Company',
            name='notify_reapplications',
            field=fields.BooleanField(default=True),
        ),
        ops.AlterField(
            model_name='MailMessage',
            name='kind',
            field=fields.CharEnumField(description='REJECTION: REJECTION\nJOIN_CONFIRM: JOIN_CONFIRM\nPORTAL_LINK: PORTAL_LINK\nINTRODUCTION: INTRODUCTION\nFOLLOW_UP: FOLLOW_UP\nOPENING_ALERT: OPENING_ALERT\nCONSENT_RECONFIRM: CONSENT_RECONFIRM\nERASURE_NOTICE: ERASURE_NOTICE\nWEBHOOK_DISABLED: WEBHOOK_DISABLED\nCOMPANY_NOTICE: COMPANY_NOTICE\nCOMPANY_DIGEST: COMPANY_DIGEST', enum_type=MailKind, max_length=24),
        ),
    ]
