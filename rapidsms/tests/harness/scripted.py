"""``TestScriptMixin``: play a transcript against the router."""

from __future__ import annotations

from typing import Any

from rapidsms.tests.harness.base import TestRouterMixin
from rapidsms.tests.harness.transcript import play_transcript


class TestScriptMixin(TestRouterMixin):
    """Test a conversation written as a transcript.

    ``runScript(script)`` (or ``assertInteraction(script)``) sends each
    ``identity > text`` line and checks that each ``identity < reply`` line
    was sent. Extra replies are ignored, as in RapidSMS 2.x; set
    ``strict = True`` on the class to fail on them.
    """

    strict = False

    def _receive_line(self, identity: str, text: str) -> Any:
        connection = self.lookup_connections([identity])[0]
        return self.receive(text, connection)

    def runScript(self, script: str) -> None:
        """Clear the outbox, then play ``script``; fail on the first mismatch."""
        self.clear_sent_messages()
        del self.router.outbound[:]
        try:
            play_transcript(script, self._receive_line, self.router.outbound, strict=self.strict)
        except AssertionError as exc:
            self.fail(str(exc))  # type: ignore[attr-defined]

    def assertInteraction(self, script: str) -> None:
        """Play ``script``; the RapidSMS 1.x name of :meth:`runScript`."""
        self.runScript(script)
