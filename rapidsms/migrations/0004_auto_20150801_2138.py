# Named as in RapidSMS 2.x so an upgraded database sees it as applied; it
# changed only help texts there, which need no schema change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("rapidsms", "0003_delete_backendmessage")]
    operations = []
