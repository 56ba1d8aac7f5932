from django.db import migrations, models


def mark_existing_routed(apps, schema_editor):
    # Rows written before this column existed were claimed only after routing
    # succeeded or was released, so they stand for routed messages.
    ReceivedMessage = apps.get_model("rapidsms_inbound", "ReceivedMessage")
    ReceivedMessage.objects.filter(routed_at__isnull=True).update(routed_at=models.F("received_at"))


class Migration(migrations.Migration):
    dependencies = [("rapidsms_inbound", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="receivedmessage",
            name="routed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="routed at"),
        ),
        migrations.RunPython(mark_existing_routed, migrations.RunPython.noop),
    ]
