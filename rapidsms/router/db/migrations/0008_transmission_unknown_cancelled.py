# The durable message store, part 6: two outgoing statuses, "unknown" (the
# worker died while the gateway had the message) and "cancelled" (a
# send-time check such as an opt-out stopped it). A change of choices only;
# nothing in the database changes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('db', '0007_drop_default_ordering'),
    ]

    operations = [
        migrations.AlterField(
            model_name='transmission',
            name='status',
            field=models.CharField(choices=[('received', 'received'), ('processing', 'processing'), ('handled', 'handled'), ('errored', 'errored'), ('queued', 'queued'), ('sending', 'sending'), ('retry', 'errored: will retry'), ('sent', 'sent'), ('delivered', 'delivered'), ('failed', 'failed'), ('unknown', 'unknown: may have been sent'), ('cancelled', 'cancelled')], max_length=16, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='transmissionevent',
            name='status',
            field=models.CharField(choices=[('received', 'received'), ('processing', 'processing'), ('handled', 'handled'), ('errored', 'errored'), ('queued', 'queued'), ('sending', 'sending'), ('retry', 'errored: will retry'), ('sent', 'sent'), ('delivered', 'delivered'), ('failed', 'failed'), ('unknown', 'unknown: may have been sent'), ('cancelled', 'cancelled')], max_length=16, verbose_name='status'),
        ),
    ]
