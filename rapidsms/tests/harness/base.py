"""Mixins for test cases of SMS apps (the RapidSMS 2.x harness).

Each test runs with the router, backends and handlers its class names. They
are installed with Django's ``override_settings`` before the test's set-up
(Django's own included) and removed after its tear-down, so nothing leaks
into the next test and the process-wide router is rebuilt from the project's
settings afterwards.
"""

from __future__ import annotations

import random
import string
import sys
import unittest
from typing import Any

from django.test import override_settings

from rapidsms.deprecation import deprecated_attributes
from rapidsms.router import api
from rapidsms.router.test.router import TestRouter
from rapidsms.tests.harness.backend import MockBackend

#: Letters ``random_unicode_string`` draws from: several scripts, none ASCII.
UNICODE_LETTERS = "àéîõüçñßøåæœ日本語中文한국어العربيةसमाचारΣΦΨΩжщЖЩ"

# RapidSMS 2.x's list of every character below the surrogates, built on use.
__getattr__ = deprecated_attributes(
    __name__,
    {"UNICODE_CHARS": (f"{__name__}.UNICODE_LETTERS",
                       lambda: [chr(code) for code in range(1, 0xD7FF)])},
)


class CreateDataMixin:
    """Helpers that create backends, contacts, connections and messages."""

    def random_string(self, length: int = 255, extra_chars: str = "") -> str:
        """Return ``length`` random ASCII letters (and characters of ``extra_chars``)."""
        chars = string.ascii_letters + extra_chars
        return "".join(random.choice(chars) for _ in range(length))

    def random_unicode_string(self, max_length: int = 255) -> str:
        """Return between 1 and ``max_length`` random non-ASCII letters."""
        length = random.randint(1, max(1, max_length))
        return "".join(random.choice(UNICODE_LETTERS) for _ in range(length))

    def create_backend(self, data: dict[str, Any] | None = None) -> Any:
        """Create a ``Backend`` row with a random name unless ``data`` names it."""
        from rapidsms.models import Backend

        defaults = {"name": self.random_string(12)}
        defaults.update(data or {})
        return Backend.objects.create(**defaults)

    def create_contact(self, data: dict[str, Any] | None = None) -> Any:
        """Create a ``Contact`` with a random name unless ``data`` names it."""
        from rapidsms.models import Contact

        defaults = {"name": self.random_string(12)}
        defaults.update(data or {})
        return Contact.objects.create(**defaults)

    def create_connection(self, data: dict[str, Any] | None = None) -> Any:
        """Create a ``Connection``: a random identity on a new backend, unless ``data`` says."""
        from rapidsms.models import Connection

        defaults: dict[str, Any] = {"identity": self.random_string(10)}
        defaults.update(data or {})
        if "backend" not in defaults:
            defaults["backend"] = self.create_backend()
        return Connection.objects.create(**defaults)

    def create_outgoing_message(self, data: dict[str, Any] | None = None,
                                backend: Any = None) -> Any:
        """Return an ``OutgoingMessage`` with a random text (built, not sent).

        Unless ``data`` gives ``connections``, it goes to a new connection on
        ``backend`` (a ``Backend`` row), or on a new backend.
        """
        from rapidsms.messages.outgoing import OutgoingMessage

        defaults: dict[str, Any] = {"text": self.random_string(10)}
        defaults.update(data or {})
        if "connections" not in defaults:
            conn_data = {"backend": backend} if backend is not None else {}
            defaults["connections"] = [self.create_connection(conn_data)]
        return OutgoingMessage(**defaults)

    def create_incoming_message(self, data: dict[str, Any] | None = None) -> Any:
        """Return an ``IncomingMessage`` with a random text from a new connection (not routed)."""
        from rapidsms.messages.incoming import IncomingMessage

        defaults: dict[str, Any] = {"text": self.random_string(10)}
        defaults.update(data or {})
        if "connections" not in defaults:
            defaults["connections"] = [self.create_connection()]
        return IncomingMessage(**defaults)


class CustomRouterMixin(CreateDataMixin):
    """Run each test with the router, backends and handlers the class names.

    Mix it into a Django ``TestCase`` or ``TransactionTestCase``. Class
    attributes: ``router_class`` (a dotted path, installed as
    ``RAPIDSMS_ROUTER``), ``backends`` (installed as ``INSTALLED_BACKENDS``)
    and ``handlers`` (installed as ``RAPIDSMS_HANDLERS``; ``None`` keeps the
    project's). They are installed before ``setUp`` runs, whether or not
    ``setUp`` calls ``super()``, and removed after ``tearDown``. Override
    :meth:`set_router`, :meth:`set_backends` or :meth:`set_handlers` to
    install something else.
    """

    router_class: Any = "rapidsms.router.blocking.BlockingRouter"
    backends: dict[str, Any] = {}
    handlers: list[str] | None = None

    # Django 5.2 runs ``_pre_setup`` as a class method, and eagerly in
    # ``setUpClass`` for a ``TransactionTestCase``, so it cannot hold one
    # test's settings. Wrapping the whole run of one test can.
    def __call__(self, result: unittest.TestResult | None = None) -> Any:
        if self._rapidsms_skipped():
            return super().__call__(result)  # type: ignore[misc]
        if not self._rapidsms_step(self._pre_rapidsms_setup, result):
            return None
        try:
            return super().__call__(result)  # type: ignore[misc]
        finally:
            self._rapidsms_step(self._post_rapidsms_teardown, result)

    def debug(self) -> None:
        """Run the test without collecting its result, with the router installed."""
        self._pre_rapidsms_setup()
        try:
            super().debug()  # type: ignore[misc]
        finally:
            self._post_rapidsms_teardown()

    def _rapidsms_skipped(self) -> bool:
        method = getattr(self, self._testMethodName, None)  # type: ignore[attr-defined]
        return bool(
            getattr(type(self), "__unittest_skip__", False)
            or getattr(method, "__unittest_skip__", False)
        )

    def _rapidsms_step(self, step: Any, result: unittest.TestResult | None) -> bool:
        """Run ``step``; report an exception as an error of this test, as Django does."""
        try:
            step()
        except Exception:
            if result is None:
                raise
            result.addError(self, sys.exc_info())  # type: ignore[arg-type]
            return False
        return True

    def _pre_rapidsms_setup(self) -> None:
        self._rapidsms_overrides: list[override_settings] = []
        try:
            self.set_handlers()
            self.set_backends()
            self.set_router()
        except BaseException:
            self._post_rapidsms_teardown()
            raise

    def _post_rapidsms_teardown(self) -> None:
        overrides = getattr(self, "_rapidsms_overrides", [])
        while overrides:
            overrides.pop().disable()

    def _override(self, **new_settings: Any) -> None:
        """Change settings until the end of this test."""
        override = override_settings(**new_settings)
        override.enable()
        self._rapidsms_overrides.append(override)

    def set_handlers(self) -> None:
        """Install ``self.handlers`` as ``RAPIDSMS_HANDLERS`` (when not ``None``)."""
        if self.handlers is not None:
            self._override(RAPIDSMS_HANDLERS=list(self.handlers))

    def set_backends(self) -> None:
        """Install ``self.backends`` as ``INSTALLED_BACKENDS``."""
        self._override(INSTALLED_BACKENDS=self.backends)

    def set_router(self) -> None:
        """Install ``self.router_class`` as ``RAPIDSMS_ROUTER``."""
        self._override(RAPIDSMS_ROUTER=self.router_class)

    def get_router(self) -> Any:
        """Return the router this test uses, as ``rapidsms.router.get_router``."""
        return api.get_router()

    def receive(self, text: str, connection: Any, **kwargs: Any) -> Any:
        """Route an incoming message, as ``rapidsms.router.receive``."""
        return api.receive(text, connection, **kwargs)

    def send(self, text: str, connections: Any, **kwargs: Any) -> Any:
        """Send a message, as ``rapidsms.router.send``."""
        return api.send(text, connections, **kwargs)

    def lookup_connections(self, backend: Any, identities: Any) -> list:
        """Return connections, as ``rapidsms.router.lookup_connections``."""
        return api.lookup_connections(backend, identities)


class TestRouterMixin(CustomRouterMixin):
    """Route each test through a fresh :class:`TestRouter` that records every message.

    ``backends`` defaults to one :class:`MockBackend` named ``mockbackend``;
    ``apps`` (a class attribute: ``AppBase`` subclasses or Django app names)
    chooses the SMS apps, default every installed one; ``disable_phases =
    True`` records messages without running any app or backend. The router is
    ``self.router``; it records ``self.inbound`` and ``self.outbound``.
    """

    disable_phases = False
    backends: dict[str, Any] = {"mockbackend": {"ENGINE": MockBackend}}

    def set_router(self) -> None:
        """Build a :class:`TestRouter` as ``self.router`` and install it as ``RAPIDSMS_ROUTER``."""
        self.router = TestRouter(
            disable_phases=self.disable_phases,
            apps=getattr(self, "apps", None),
            backends=self.backends,
        )
        self.router_class = self.router
        super().set_router()

    @property
    def inbound(self) -> list:
        """Every incoming message the router received in this test."""
        return self.router.inbound

    @property
    def outbound(self) -> list:
        """Every outgoing message the router was asked to send in this test.

        Messages are recorded before the ``outgoing`` phase, so one an app
        cancelled is here too.
        """
        return self.router.outbound

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        """What ``mockbackend`` was asked to send: one dict of ``send()`` arguments per call."""
        return self.router.backends["mockbackend"].messages

    def clear_sent_messages(self) -> None:
        """Empty the ``mockbackend`` outbox."""
        self.router.backends["mockbackend"].clear()

    def lookup_connections(  # type: ignore[override]
        self, identities: Any, backend: Any = "mockbackend"
    ) -> list:
        """Return connections on ``backend`` (note: identities come first, as in RapidSMS 2.x).

        A single string is one identity.
        """
        return api.lookup_connections(backend, identities)


class DatabaseBackendMixin(CustomRouterMixin):
    """Send through a ``DatabaseBackend`` named ``mockbackend``; read its table.

    ``setUp`` stores the ``Backend`` row as ``self.backend``, and
    ``self.sent_messages`` is the queryset of the outgoing rows the backend
    wrote.
    """

    backends: dict[str, Any] = {
        "mockbackend": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}
    }

    def setUp(self) -> None:
        from rapidsms.models import Backend

        self.backend, _ = Backend.objects.get_or_create(name="mockbackend")
        super().setUp()  # type: ignore[misc]

    def lookup_connections(  # type: ignore[override]
        self, identities: Any, backend: Any = "mockbackend"
    ) -> list:
        """Return connections on ``backend`` (identities first, as in RapidSMS 2.x)."""
        return api.lookup_connections(backend, identities)

    @property
    def sent_messages(self) -> Any:
        """The ``BackendMessage`` rows ``mockbackend`` wrote for outgoing messages."""
        from rapidsms.backends.database.models import OUTGOING, BackendMessage

        return BackendMessage.objects.filter(name="mockbackend", direction=OUTGOING)


class LoginMixin:
    """Log the test client in."""

    def login(self) -> Any:
        """Log the client in as ``self.username`` (default ``fred``, password ``bob``).

        Create the user when it does not exist yet, store it as ``self.user``
        and return it; fail the test when the login is refused.
        """
        from django.contrib.auth import get_user_model

        user_model = get_user_model()
        if not hasattr(self, "username"):
            self.username = "fred"
        if not hasattr(self, "password"):
            self.password = "bob"
        lookup = {user_model.USERNAME_FIELD: self.username}
        user = user_model.objects.filter(**lookup).first()
        if user is None:
            user = user_model.objects.create_user(**lookup, password=self.password)
        self.user = user
        if not self.client.login(username=self.username, password=self.password):  # type: ignore[attr-defined]
            raise AssertionError(f"The test client could not log in as {self.username!r}.")
        return user
