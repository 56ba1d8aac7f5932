# The durable message store, part 5: no default ordering of messages and
# transmissions, as in RapidSMS 2.x (a change of options only; nothing in the
# database changes).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('db', '0006_wakeup'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='message',
            options={'verbose_name': 'message', 'verbose_name_plural': 'messages'},
        ),
        migrations.AlterModelOptions(
            name='transmission',
            options={'verbose_name': 'transmission', 'verbose_name_plural': 'transmissions'},
        ),
    ]
