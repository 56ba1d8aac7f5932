# The durable message store, part 3: old columns go, indexes and the send-once constraint come.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("db", "0004_upgrade_2x_rows"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='message',
            name='delivered',
        ),
        migrations.RemoveField(
            model_name='message',
            name='sent',
        ),
        migrations.RemoveField(
            model_name='message',
            name='status',
        ),
        migrations.AlterField(
            model_name='message',
            name='date',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='message',
            name='direction',
            field=models.CharField(choices=[('I', 'Incoming'), ('O', 'Outgoing')], db_index=True, max_length=1, verbose_name='direction'),
        ),
        migrations.AlterField(
            model_name='message',
            name='external_id',
            field=models.CharField(blank=True, max_length=1024, verbose_name='external id'),
        ),
        migrations.AlterField(
            model_name='message',
            name='in_response_to',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='responses', to='db.message', verbose_name='in response to'),
        ),
        migrations.AlterField(
            model_name='message',
            name='text',
            field=models.TextField(verbose_name='text'),
        ),
        migrations.AlterField(
            model_name='message',
            name='updated',
            field=models.DateTimeField(auto_now=True, null=True, verbose_name='updated'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='connection',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transmissions', to='rapidsms.connection', verbose_name='connection'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='date',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='delivered',
            field=models.DateTimeField(blank=True, null=True, verbose_name='delivered'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='message',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transmissions', to='db.message', verbose_name='message'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='sent',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent'),
        ),
        migrations.AlterField(
            model_name='transmission',
            name='updated',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='updated'),
        ),
        migrations.AddIndex(
            model_name='transmission',
            index=models.Index(fields=['status', 'next_attempt_at'], name='db_trans_status_next'),
        ),
        migrations.AddIndex(
            model_name='transmission',
            index=models.Index(fields=['backend', 'gateway_message_id'], name='db_trans_gateway_id'),
        ),
        migrations.AddIndex(
            model_name='transmission',
            index=models.Index(fields=['direction', 'status', 'backend'], name='db_trans_counts'),
        ),
        migrations.AddIndex(
            model_name='transmission',
            index=models.Index(fields=['claim_token'], name='db_trans_claim'),
        ),
        migrations.AddConstraint(
            model_name='transmission',
            constraint=models.UniqueConstraint(fields=('message', 'connection'), name='db_transmission_once_per_connection'),
        ),
        migrations.AddField(
            model_name='transmissionevent',
            name='transmission',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='db.transmission', verbose_name='transmission'),
        ),
    ]
