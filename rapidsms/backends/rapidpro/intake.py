"""What RapidPro's messages go through, whether its webhook posted them or the poller read them.

Both routes share the claims on the message's UUID, so a message that
arrives both ways is routed once; and both keep the contact's UUID beside
the connection, so replies go to the contact.
"""

from __future__ import annotations

from django.db import transaction

from rapidsms.backends.inbound.intake import GatewayMessage, Intake


class RapidProIntake(Intake):
    """Route RapidPro's messages once each, all or nothing, keeping the contact's UUID."""

    def route(self, message: GatewayMessage) -> bool:
        """Route once; all or nothing in one transaction.

        If routing fails half-way, the claim on the message UUID is rolled
        back with everything else, so RapidPro's retry (or the poller) gets
        the message routed.
        """
        with transaction.atomic():
            return super().route(message)

    def pass_to_router(self, message: GatewayMessage) -> None:
        """Keep the contact's UUID beside the connection, then hand the message on.

        Called only once the message's UUID is claimed, so a repeated
        delivery (a retry, a replay, a poll that reads it again) never
        touches the contact kept.
        """
        contact_uuid = message.fields.get("rapidpro_contact_uuid")
        if contact_uuid:
            self.backend.remember_contact(self.connection(message), contact_uuid)
        super().pass_to_router(message)
