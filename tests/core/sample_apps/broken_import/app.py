"""An ``app.py`` that fails while it is imported."""

raise ImportError("cannot import name 'Clinic' from 'clinics.models'")
