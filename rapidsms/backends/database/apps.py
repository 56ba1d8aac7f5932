from django.apps import AppConfig


class DatabaseBackendConfig(AppConfig):
    name = "rapidsms.backends.database"
    label = "database"
    verbose_name = "Database backend"
    default_auto_field = "django.db.models.AutoField"
