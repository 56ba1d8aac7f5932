# Named as in RapidSMS 2.x so an upgraded database sees it as applied; it only
# rewrote the direction choices there, which 0001 already has.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("database", "0002_auto_20150710_1421")]
    operations = []
