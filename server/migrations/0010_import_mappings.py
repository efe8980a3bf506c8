from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_members')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImportMapping',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('header', fields.CharField(max_length=200)),
                ('field', fields.CharField(max_length=32)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'import_mapping', 'app': 'models', 'unique_together': (('company_id', 'header'),), 'pk_attr': 'id', 'table_description': 'A header of a company\'s ATS export and the import field it holds ("" = ignored).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImportUpload',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=64)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('filename', fields.CharField(max_length=200)),
                ('content', fields.BinaryField()),
                ('mapping', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('total_rows', fields.IntField(default=0)),
                ('done_rows', fields.IntField(default=0)),
                ('result', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'import_upload', 'app': 'models', 'indexes': [Index(fields=['company_id', 'created_at']), Index(fields=['expires_at'])], 'pk_attr': 'id', 'table_description': 'An uploaded file between upload, mapping, dry run and import: addressed by a random'},
            bases=['Model'],
        ),
    ]
