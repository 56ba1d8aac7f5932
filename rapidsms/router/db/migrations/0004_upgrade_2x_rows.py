# The durable message store, part 2: rows written by RapidSMS 2.x get the new columns.
from django.db import migrations

# RapidSMS 2.x's one-letter statuses, by direction, and what they become.
INCOMING_STATUSES = {"Q": "received", "P": "processing", "R": "handled", "S": "handled",
                     "D": "handled", "E": "errored"}
OUTGOING_STATUSES = {"Q": "queued", "P": "sending", "S": "sent", "D": "delivered",
                     "E": "failed", "R": "queued"}


def upgrade_rows(apps, schema_editor):
    """Fill the new columns of rows written by RapidSMS 2.x and rename their statuses."""
    Transmission = apps.get_model("db", "Transmission")
    rows = Transmission.objects.select_related("message", "connection__backend").iterator()
    for row in rows:
        incoming = row.message.direction == "I"
        mapping = INCOMING_STATUSES if incoming else OUTGOING_STATUSES
        row.direction = row.message.direction
        row.backend = row.connection.backend.name
        row.identity = row.connection.identity
        row.status = mapping.get(row.status, row.status)
        row.updated = row.updated or row.date
        row.queued_at = row.date
        row.save()


class Migration(migrations.Migration):

    dependencies = [
        ("db", "0003_durable_store"),
    ]

    operations = [
        migrations.RunPython(upgrade_rows, migrations.RunPython.noop),
    ]
