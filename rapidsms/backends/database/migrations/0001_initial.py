# The table as RapidSMS 2.x created it, under the same migration name, so that
# a database created by RapidSMS 2.x upgrades in place (0004 brings it up to date).
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="BackendMessage",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255)),
                ("date", models.DateTimeField(auto_now_add=True)),
                ("direction", models.CharField(choices=[("I", "Incoming"), ("O", "Outgoing")], db_index=True, max_length=1)),
                ("message_id", models.CharField(max_length=64)),
                ("external_id", models.CharField(blank=True, max_length=64)),
                ("identity", models.CharField(max_length=100)),
                ("text", models.TextField()),
            ],
        ),
    ]
