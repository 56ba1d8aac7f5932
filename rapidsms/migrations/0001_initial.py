# The schema of RapidSMS 2.x, kept under its migration names so that a
# database created by RapidSMS 2.x upgrades in place (0005 brings it up to date).
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="App",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("module", models.CharField(max_length=100, unique=True)),
                ("active", models.BooleanField(default=False)),
            ],
        ),
        migrations.CreateModel(
            name="Backend",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=20, unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="BackendMessage",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255)),
                ("date", models.DateTimeField(auto_now_add=True)),
                ("direction", models.CharField(db_index=True, max_length=1)),
                ("message_id", models.CharField(max_length=64)),
                ("external_id", models.CharField(blank=True, max_length=64)),
                ("identity", models.CharField(max_length=100)),
                ("text", models.TextField()),
            ],
        ),
        migrations.CreateModel(
            name="Contact",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(blank=True, max_length=100)),
                ("created_on", models.DateTimeField(auto_now_add=True)),
                ("modified_on", models.DateTimeField(auto_now=True)),
                ("language", models.CharField(blank=True, max_length=6)),
            ],
        ),
        migrations.CreateModel(
            name="Connection",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("identity", models.CharField(max_length=100)),
                ("created_on", models.DateTimeField(auto_now_add=True)),
                ("modified_on", models.DateTimeField(auto_now=True)),
                ("backend", models.ForeignKey(on_delete=models.deletion.CASCADE, to="rapidsms.backend")),
                ("contact", models.ForeignKey(blank=True, null=True, on_delete=models.deletion.CASCADE, to="rapidsms.contact")),
            ],
            options={"unique_together": {("backend", "identity")}},
        ),
    ]
