# The table as RapidSMS 2.x created it, under its migration names, so that a
# RapidSMS 2.x database upgrades in place (0003 brings it up to date).
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = [("rapidsms", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Message",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("direction", models.CharField(max_length=1, choices=[("I", "Incoming"), ("O", "Outgoing")])),
                ("date", models.DateTimeField()),
                ("text", models.TextField()),
                ("connection", models.ForeignKey(blank=True, null=True, on_delete=models.CASCADE, to="rapidsms.connection")),
                ("contact", models.ForeignKey(blank=True, null=True, on_delete=models.CASCADE, to="rapidsms.contact")),
            ],
        ),
    ]
