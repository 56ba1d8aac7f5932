"""``TestScriptMixin``: play a transcript against the router."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rapidsms.deprecation import warn_deprecated
from rapidsms.tests.harness.base import TestRouterMixin
from rapidsms.tests.harness.transcript import parse_transcript, play_transcript


class TestScriptMixin(TestRouterMixin):
    """Test a conversation written as a transcript (see :mod:`rapidsms.tests.harness.transcript`).

    ``runScript(script)`` (or ``assertInteraction(script)``) receives each
    ``identity > text`` line on ``mockbackend`` and checks that each
    ``identity < reply`` line was sent, in ``self.outbound``. Replies no line
    expects are ignored, as in RapidSMS 2.x; set ``strict = True`` on the
    class to fail on them.
    """

    #: Fail the test on a reply that no ``<`` line expects.
    strict = False

    def _receive_line(self, identity: str, text: str) -> Any:
        connection = self.lookup_connections([identity])[0]
        return self.receive(text, connection)

    def runScript(self, script: str) -> None:
        """Empty the ``mockbackend`` outbox, then play ``script``; fail on the first mismatch.

        Messages the router sent earlier in the test, after the previous
        script, count as replies too, as in RapidSMS 2.x.
        """
        __tracebackhide__ = True
        self.clear_sent_messages()
        self.assertInteraction(script)

    def assertInteraction(self, script: str) -> None:
        """Play ``script`` as :meth:`runScript` does, without emptying the outbox first."""
        __tracebackhide__ = True
        outbound = self.outbound
        end = play_transcript(
            script, self._receive_line, outbound, strict=self.strict, start=self._unseen_start()
        )
        self._last_seen_by_script = outbound[end - 1] if end else None

    def _unseen_start(self) -> int:
        """Return where the messages no script has seen start in ``self.outbound``.

        Found by the last message seen rather than by a count, so a test that
        empties or replaces ``outbound`` between scripts loses nothing.
        """
        last = getattr(self, "_last_seen_by_script", None)
        outbound = self.outbound
        if last is not None:
            for index in range(len(outbound) - 1, -1, -1):
                if outbound[index] is last:
                    return index + 1
        return 0

    # RapidSMS 2.x's steps of a script, kept deprecated; each warns when called.

    @classmethod
    def parseScript(cls, script: str) -> list[tuple[str, datetime, str, str]]:
        """Deprecated: return ``(identity, date, direction, text)`` for each line of ``script``."""
        warn_deprecated(f"{cls.__name__}.parseScript()",
                        "rapidsms.tests.harness.transcript.parse_transcript()")
        return [(line.identity, line.date or datetime.now(), line.direction, line.text)
                for line in parse_transcript(script)]

    def runParsedScript(self, cmds: list[tuple[str, Any, str, str]]) -> None:
        """Deprecated: play the lines :meth:`parseScript` returned, as :meth:`assertInteraction`."""
        __tracebackhide__ = True
        warn_deprecated(f"{type(self).__name__}.runParsedScript()", "assertInteraction()")
        self.assertInteraction("\n".join(f"{num} {way} {text}" for num, _, way, text in cmds))

    def sendMessage(self, num: str, txt: str, date: Any = None) -> Any:
        """Deprecated: receive ``txt`` from identity ``num`` on ``mockbackend``; return it."""
        warn_deprecated(f"{type(self).__name__}.sendMessage()",
                        "self.receive(text, self.lookup_connections([identity])[0])")
        return self._receive_line(num, txt)

    def receiveAllMessages(self) -> list[Any]:
        """Deprecated: return the messages sent so far and forget them."""
        warn_deprecated(f"{type(self).__name__}.receiveAllMessages()", "self.outbound")
        messages = list(self.outbound)
        self.outbound.clear()
        return messages
