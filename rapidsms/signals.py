"""Signal receivers of the core."""

from __future__ import annotations

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import Signal, receiver

#: Sent by the router after an incoming message went through every phase and
#: its replies were handed to the backends (also when it was filtered).
#: Keyword arguments: ``router`` and ``message``. Apps that batch database
#: work per message (the message log) flush it here, in one transaction.
incoming_processed = Signal()

#: Sent by a router that processes incoming messages in batches (the
#: durable router's workers) once a batch is finished, before
#: ``incoming_processed`` is sent for each of its messages. Keyword
#: arguments: ``router`` and ``messages`` (a list). Apps that write per
#: message can write the whole batch here at once.
incoming_batch_processed = Signal()

#: Settings the router is built from: a change rebuilds it.
ROUTER_SETTINGS = frozenset(
    {"RAPIDSMS_ROUTER", "INSTALLED_BACKENDS", "INSTALLED_APPS", "RAPIDSMS_HANDLERS"}
)


@receiver(setting_changed)
def reset_router_on_setting_change(setting: str, **kwargs: Any) -> None:
    """Rebuild the router after a setting it was built from changes (tests)."""
    if setting in ROUTER_SETTINGS:
        from rapidsms.router.api import reset_router

        reset_router()
