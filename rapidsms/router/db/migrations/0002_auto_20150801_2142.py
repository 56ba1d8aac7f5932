# RapidSMS 2.x's second migration of the message store (choices only; no schema change).
from django.db import migrations, models

STATUSES = [
    ("Q", "Queued"),
    ("R", "Received"),
    ("P", "Processing"),
    ("S", "Sent"),
    ("D", "Delivered"),
    ("E", "Errored"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("db", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="message",
            name="direction",
            field=models.CharField(max_length=1, db_index=True,
                                   choices=[("I", "Incoming"), ("O", "Outgoing")]),
        ),
        migrations.AlterField(
            model_name="message",
            name="status",
            field=models.CharField(max_length=1, db_index=True, choices=STATUSES, default="Q"),
        ),
        migrations.AlterField(
            model_name="transmission",
            name="status",
            field=models.CharField(max_length=1, db_index=True, choices=STATUSES),
        ),
    ]
