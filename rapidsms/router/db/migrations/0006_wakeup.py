# The durable message store, part 4: the wake-up flags of the incoming queues.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('db', '0005_durable_store_constraints'),
    ]

    operations = [
        migrations.CreateModel(
            name='Wakeup',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('queue', models.CharField(max_length=255, unique=True, verbose_name='queue')),
                ('requested_at', models.DateTimeField(blank=True, null=True, verbose_name='requested')),
            ],
            options={
                'verbose_name': 'wake-up',
                'verbose_name_plural': 'wake-ups',
            },
        ),
    ]
