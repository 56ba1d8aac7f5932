"""The shared table of the ids gateways gave our messages; Vumi's rows move into it.

Vumi's own table (``vumi_sentmessage``) is read, not dropped: its rows are
copied here, and the table itself goes in a later release.
"""

from datetime import UTC

import django.utils.dateparse
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

VUMI_TABLE = "vumi_sentmessage"


def copy_vumi_ids(apps, schema_editor):
    connection = schema_editor.connection
    if VUMI_TABLE not in connection.introspection.table_names():
        return  # Vumi's app was never migrated here: nothing to carry over.
    SentMessage = apps.get_model("rapidsms_inbound", "SentMessage")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT backend, vumi_id, message_id, identity, sent_at FROM {VUMI_TABLE}"
        )
        while rows := cursor.fetchmany(1000):
            SentMessage.objects.using(connection.alias).bulk_create(
                [SentMessage(backend=backend, gateway_id=vumi_id, message_id=message_id,
                             identity=identity, sent_at=_aware(sent_at))
                 for backend, vumi_id, message_id, identity, sent_at in rows],
                ignore_conflicts=True,
            )


def _aware(value):
    # A raw query on SQLite reads a datetime without its zone; it was stored in UTC.
    if isinstance(value, str):
        value = django.utils.dateparse.parse_datetime(value)
    if value is not None and value.tzinfo is None and settings.USE_TZ:
        value = value.replace(tzinfo=UTC)
    return value


class Migration(migrations.Migration):
    dependencies = [("rapidsms_inbound", "0002_receivedmessage_routed_at")]

    operations = [
        migrations.CreateModel(
            name="SentMessage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("backend", models.CharField(max_length=255, verbose_name="backend")),
                ("gateway_id", models.CharField(max_length=255,
                                                verbose_name="gateway message id")),
                ("message_id", models.CharField(db_index=True, max_length=255,
                                                verbose_name="message id")),
                ("identity", models.CharField(max_length=255, verbose_name="identity")),
                ("sent_at", models.DateTimeField(db_index=True,
                                                 default=django.utils.timezone.now,
                                                 verbose_name="sent at")),
            ],
            options={
                "verbose_name": "sent gateway message id",
                "verbose_name_plural": "sent gateway message ids",
                "constraints": [models.UniqueConstraint(
                    fields=("backend", "gateway_id"),
                    name="rapidsms_inbound_unique_sent_message")],
            },
        ),
        migrations.RunPython(copy_vumi_ids, migrations.RunPython.noop),
    ]
