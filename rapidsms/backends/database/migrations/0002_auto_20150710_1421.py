# Named as in RapidSMS 2.x, where the message table moved here from the core
# app. A database that still has rows in the core's table keeps them.
from django.db import migrations

FIELDS = ["name", "date", "direction", "message_id", "external_id", "identity", "text"]


def copy_messages_from_core(apps, schema_editor):
    try:
        old_model = apps.get_model("rapidsms", "BackendMessage")
    except LookupError:
        return  # the core's table is already gone: nothing left to copy
    new_model = apps.get_model("database", "BackendMessage")
    new_model.objects.bulk_create(
        new_model(**{field: getattr(row, field) for field in FIELDS})
        for row in old_model.objects.order_by("pk").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("database", "0001_initial"),
        ("rapidsms", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_messages_from_core, migrations.RunPython.noop)]
