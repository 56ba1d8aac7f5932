"""Deprecated location of ``TestScript``; import it from ``rapidsms.tests.harness``."""

from __future__ import annotations

import warnings
from typing import Any

from rapidsms.tests.harness.testcases import TestScript as _TestScript


class TestScript(_TestScript):
    """Deprecated: subclass :class:`rapidsms.tests.harness.TestScript` instead.

    Subclassing it raises a ``DeprecationWarning`` pointing at the subclass.
    ``startRouter()`` and ``stopRouter()``, which RapidSMS 1.x tests call from
    ``setUp`` and ``tearDown``, warn too; the router is installed for every
    test anyway, so ``startRouter()`` only empties the outbox.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        warnings.warn(
            f"{cls.__module__}.{cls.__qualname__} subclasses rapidsms.tests.scripted.TestScript, "
            "which is deprecated; subclass rapidsms.tests.harness.TestScript instead.",
            DeprecationWarning,
            stacklevel=2,
        )

    def startRouter(self) -> None:
        """Deprecated: empty the ``mockbackend`` outbox."""
        warnings.warn(
            "TestScript.startRouter() is deprecated; the router is set up for every test.",
            DeprecationWarning,
            stacklevel=2,
        )
        self.clear_sent_messages()

    def stopRouter(self) -> None:
        """Deprecated: do nothing; the router is removed after every test."""
        warnings.warn(
            "TestScript.stopRouter() is deprecated; the router is removed after every test.",
            DeprecationWarning,
            stacklevel=2,
        )
