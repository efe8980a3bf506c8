"""Company mail sender: the From display name and Reply-To of a company's own mails
(rejections, follow-ups, alerts), and the display name each outbox row is sent with."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [("models", "0006_abuse_guards")]

    initial = False

    operations = [
        ops.AddField(
            model_name='Company',
            name='mail_from_name',
            field=fields.CharField(default='', max_length=200),
        ),
        ops.AddField(
            model_name='Company',
            name='reply_to_email',
            field=fields.CharField(default='', max_length=320),
        ),
        ops.AddField(
            model_name='MailMessage',
            name='from_name',
            field=fields.CharField(default='', max_length=200),
        ),
    ]
