"""The RapidPro backend: a RapidPro workspace as a gateway, both ways.

Add ``"rapidsms.backends.inbound"`` and ``"rapidsms.backends.rapidpro"`` to
``INSTALLED_APPS`` (the backend keeps its outbox, poll cursor and request
budget in the database, and provides the ``rapidpro_poll``,
``rapidpro_subscribe`` and ``rapidpro_sandbox`` commands), then configure::

    INSTALLED_BACKENDS = {
        "rapidpro": {
            "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
            "url": "https://rapidpro.example.org",
            "api_token": "...",
            "inbound_secrets": ["..."],
        },
    }
"""

from rapidsms.backends.rapidpro.outgoing import RapidProBackend

__all__ = ["RapidProBackend"]
