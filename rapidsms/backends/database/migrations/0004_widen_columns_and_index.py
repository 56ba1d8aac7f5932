# Brings a RapidSMS 2.x table up to date: longer identities and ids, indexes for lookups.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('database', '0003_auto_20150801_2140'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='backendmessage',
            options={'ordering': ['date', 'pk'], 'verbose_name': 'backend message', 'verbose_name_plural': 'backend messages'},
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='date',
            field=models.DateTimeField(auto_now_add=True, verbose_name='date'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='direction',
            field=models.CharField(choices=[('I', 'Incoming'), ('O', 'Outgoing')], db_index=True, max_length=1, verbose_name='direction'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='external_id',
            field=models.CharField(blank=True, max_length=255, verbose_name='external id'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='identity',
            field=models.CharField(db_index=True, max_length=255, verbose_name='identity'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='message_id',
            field=models.CharField(max_length=255, verbose_name='message id'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='name',
            field=models.CharField(db_index=True, max_length=255, verbose_name='backend name'),
        ),
        migrations.AlterField(
            model_name='backendmessage',
            name='text',
            field=models.TextField(verbose_name='text'),
        ),
    ]
