from tortoise import migrations
from tortoise.migrations import operations as ops
from server.models.kinds import Locale, MailKind, MemberRole
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_webhooks')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=100)),
                ('email', fields.CharField(max_length=320)),
                ('role', fields.CharEnumField(description='OWNER: OWNER\nADMIN: ADMIN\nRECRUITER: RECRUITER\nVIEWER: VIEWER', enum_type=MemberRole, max_length=16)),
                ('locale', fields.CharEnumField(default=Locale.JA, description='JA: ja\nEN: en', enum_type=Locale, max_length=2)),
                ('invited_by', fields.ForeignKeyField('models.Member', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('joined_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('removed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member', 'app': 'models', 'unique_together': (('company_id', 'email'),), 'indexes': [Index(fields=['email'])], 'pk_attr': 'id', 'table_description': 'A person of a partner company who uses the console (``/app``); API keys are for machines.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberSession',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session_hash', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_session', 'app': 'models', 'indexes': [Index(fields=['member_id'])], 'pk_attr': 'id', 'table_description': 'A console session: the cookie holds a random id, only its hash is here. Logout, the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberSignIn',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_sign_in', 'app': 'models', 'indexes': [Index(fields=['member_id'])], 'pk_attr': 'id', 'table_description': "A mailed sign-in link (invitation or sign-in): only the token's hash, single use."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='member',
            field=fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='MailMessage',
            name='kind',
            field=fields.CharEnumField(description='REJECTION: REJECTION\nJOIN_CONFIRM: JOIN_CONFIRM\nPORTAL_LINK: PORTAL_LINK\nINTRODUCTION: INTRODUCTION\nFOLLOW_UP: FOLLOW_UP\nOPENING_ALERT: OPENING_ALERT\nCONSENT_RECONFIRM: CONSENT_RECONFIRM\nERASURE_NOTICE: ERASURE_NOTICE\nWEBHOOK_DISABLED: WEBHOOK_DISABLED\nCOMPANY_NOTICE: COMPANY_NOTICE\nCOMPANY_DIGEST: COMPANY_DIGEST\nMEMBER_SIGN_IN: MEMBER_SIGN_IN', enum_type=MailKind, max_length=24),
        ),
    ]
