"""Deprecated location of ``TestScript``; import from ``rapidsms.tests.harness``."""

from __future__ import annotations

import warnings

from rapidsms.tests.harness.testcases import TestScript as _TestScript


class TestScript(_TestScript):
    """Deprecated: use :class:`rapidsms.tests.harness.TestScript`."""

    def setUp(self) -> None:
        warnings.warn(
            "rapidsms.tests.scripted.TestScript is deprecated; use "
            "rapidsms.tests.harness.TestScript.",
            DeprecationWarning,
            stacklevel=2,
        )
        super().setUp()

    def startRouter(self) -> None:
        """No-op: the router is set up for each test."""

    def stopRouter(self) -> None:
        """No-op: the router is torn down after each test."""
