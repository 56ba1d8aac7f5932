# The opt-out table.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('rapidsms', '0005_widen_fields_and_drop_app'),
    ]

    operations = [
        migrations.CreateModel(
            name='OptOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('keyword', models.CharField(blank=True, max_length=100, verbose_name='keyword')),
                ('created_on', models.DateTimeField(auto_now_add=True, verbose_name='opted out on')),
                ('connection', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='opt_out', to='rapidsms.connection', verbose_name='connection')),
                ('contact', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='opt_out', to='rapidsms.contact', verbose_name='contact')),
            ],
            options={
                'verbose_name': 'opt-out',
                'verbose_name_plural': 'opt-outs',
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('connection__isnull', True), ('contact__isnull', False)), models.Q(('connection__isnull', False), ('contact__isnull', True)), _connector='OR'), name='optout_contact_or_connection')],
            },
        ),
    ]
