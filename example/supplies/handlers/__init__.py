"""Handlers of the supplies app, listed in ``RAPIDSMS_HANDLERS``."""
