# The permission to send one message to many recipients (no table).

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='BulkSending',
            fields=[
                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'bulk sending',
                'verbose_name_plural': 'bulk sending',
                'permissions': [('send_bulk', 'Can send one message to many recipients')],
                'managed': False,
                'default_permissions': (),
            },
        ),
    ]
