# The durable message store, part 1: new tables and columns.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('db', '0002_auto_20150801_2142'),
        ('rapidsms', '0005_widen_fields_and_drop_app'),
    ]

    operations = [
        migrations.CreateModel(
            name='BackendThrottle',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('backend', models.CharField(max_length=255, unique=True, verbose_name='backend')),
                ('next_free_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next free slot')),
            ],
            options={
                'verbose_name': 'backend throttle',
                'verbose_name_plural': 'backend throttles',
            },
        ),
        migrations.CreateModel(
            name='TransmissionEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('status', models.CharField(choices=[('received', 'received'), ('processing', 'processing'), ('handled', 'handled'), ('errored', 'errored'), ('queued', 'queued'), ('sending', 'sending'), ('retry', 'errored: will retry'), ('sent', 'sent'), ('delivered', 'delivered'), ('failed', 'failed')], max_length=16, verbose_name='status')),
                ('applied', models.BooleanField(default=True, verbose_name='applied')),
                ('detail', models.TextField(blank=True, verbose_name='detail')),
                ('raw', models.JSONField(blank=True, encoder=django.core.serializers.json.DjangoJSONEncoder, null=True, verbose_name='raw report')),
                ('date', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date')),
            ],
            options={
                'verbose_name': 'status change',
                'verbose_name_plural': 'status changes',
                'ordering': ['date', 'pk'],
            },
        ),
        migrations.AlterModelOptions(
            name='message',
            options={'ordering': ['-date', '-pk'], 'verbose_name': 'message', 'verbose_name_plural': 'messages'},
        ),
        migrations.AlterModelOptions(
            name='transmission',
            options={'ordering': ['-date', '-pk'], 'verbose_name': 'transmission', 'verbose_name_plural': 'transmissions'},
        ),
        migrations.AddField(
            model_name='message',
            name='backend_context',
            field=models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='backend context'),
        ),
        migrations.AddField(
            model_name='message',
            name='fields',
            field=models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name='fields'),
        ),
        migrations.AddField(
            model_name='message',
            name='message_class',
            field=models.CharField(blank=True, max_length=255, verbose_name='message class'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='attempts',
            field=models.PositiveIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='backend',
            field=models.CharField(blank=True, max_length=255, verbose_name='backend'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='claim_token',
            field=models.UUIDField(blank=True, null=True, verbose_name='claim token'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='claimed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='claimed'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='direction',
            field=models.CharField(choices=[('I', 'Incoming'), ('O', 'Outgoing')], default='O', max_length=1, verbose_name='direction'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='transmission',
            name='dispatched_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='dispatched'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='gateway_message_id',
            field=models.CharField(blank=True, max_length=255, verbose_name='gateway message id'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='identity',
            field=models.CharField(blank=True, max_length=255, verbose_name='identity'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='last_error',
            field=models.TextField(blank=True, verbose_name='last error'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='next_attempt_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='next attempt'),
        ),
        migrations.AddField(
            model_name='transmission',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='status',
            field=models.CharField(choices=[('received', 'received'), ('processing', 'processing'), ('handled', 'handled'), ('errored', 'errored'), ('queued', 'queued'), ('sending', 'sending'), ('retry', 'errored: will retry'), ('sent', 'sent'), ('delivered', 'delivered'), ('failed', 'failed')], max_length=16, verbose_name='status'),
        ),
    ]
