"""Mixins for test cases of SMS apps (the RapidSMS 2.x harness).

The router and backends a test uses are installed with Django's
``override_settings`` for the duration of each test, so nothing leaks into
the next test and the process-wide router is rebuilt afterwards.
"""

from __future__ import annotations

import random
import string
from typing import Any

from django.test import override_settings

from rapidsms.router import api
from rapidsms.router.test.router import TestRouter
from rapidsms.tests.harness.backend import MockBackend


class CreateDataMixin:
    """Helpers that create backends, contacts, connections and messages."""

    def random_string(self, length: int = 255, extra_chars: str = "") -> str:
        """Return a random string of ASCII letters (plus ``extra_chars``)."""
        chars = string.ascii_letters + extra_chars
        return "".join(random.choice(chars) for _ in range(length))

    def random_unicode_string(self, max_length: int = 255) -> str:
        """Return a random string of non-ASCII letters, up to ``max_length`` long."""
        alphabet = "àéîõüçñßøåæœ日本語中文한국어العربيةसमाचारΣΦΨΩжщЖЩ"
        length = random.randint(1, max_length)
        return "".join(random.choice(alphabet) for _ in range(length))

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
        """Create a ``Connection`` with a random identity on a new backend."""
        from rapidsms.models import Connection

        defaults: dict[str, Any] = {"identity": self.random_string(10)}
        defaults.update(data or {})
        if "backend" not in defaults:
            defaults["backend"] = self.create_backend()
        return Connection.objects.create(**defaults)

    def create_outgoing_message(self, data: dict[str, Any] | None = None,
                                backend: Any = None) -> Any:
        """Return an ``OutgoingMessage`` to a new connection (not sent)."""
        from rapidsms.messages.outgoing import OutgoingMessage

        defaults: dict[str, Any] = {"text": self.random_string(10)}
        defaults.update(data or {})
        if "connections" not in defaults:
            conn_data = {"backend": backend} if backend is not None else {}
            defaults["connections"] = [self.create_connection(conn_data)]
        return OutgoingMessage(**defaults)

    def create_incoming_message(self, data: dict[str, Any] | None = None) -> Any:
        """Return an ``IncomingMessage`` from a new connection (not routed)."""
        from rapidsms.messages.incoming import IncomingMessage

        defaults: dict[str, Any] = {"text": self.random_string(10)}
        defaults.update(data or {})
        if "connections" not in defaults:
            defaults["connections"] = [self.create_connection()]
        return IncomingMessage(**defaults)


class CustomRouterMixin(CreateDataMixin):
    """Run each test with the router, backends and handlers the class names.

    Class attributes: ``router_class`` (a dotted path), ``backends`` (shaped
    like ``INSTALLED_BACKENDS``) and ``handlers`` (``RAPIDSMS_HANDLERS``;
    ``None`` keeps the project's).
    """

    router_class: Any = "rapidsms.router.blocking.BlockingRouter"
    backends: dict[str, Any] = {}
    handlers: list[str] | None = None

    def _pre_setup(self, *args: Any, **kwargs: Any) -> None:
        super()._pre_setup(*args, **kwargs)  # type: ignore[misc]
        self._rapidsms_overrides: list[override_settings] = []
        self.set_handlers()
        self.set_backends()
        self.set_router()

    def _post_teardown(self, *args: Any, **kwargs: Any) -> None:
        for override in reversed(getattr(self, "_rapidsms_overrides", [])):
            override.disable()
        self._rapidsms_overrides = []
        super()._post_teardown(*args, **kwargs)  # type: ignore[misc]

    def _override(self, **new_settings: Any) -> None:
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
        """Return the router this test uses."""
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
    """Route through a :class:`TestRouter` with one backend, ``mockbackend``.

    ``apps`` (a class attribute) chooses the SMS apps, default every installed
    one; ``disable_phases = True`` records messages without running any app.
    """

    disable_phases = False
    backends: dict[str, Any] = {"mockbackend": {"ENGINE": MockBackend}}

    def set_router(self) -> None:
        """Build a fresh :class:`TestRouter` and install it as ``RAPIDSMS_ROUTER``."""
        router = TestRouter(
            disable_phases=self.disable_phases,
            apps=getattr(self, "apps", None),
            backends=self.backends,
        )
        self._override(RAPIDSMS_ROUTER=router)
        self.router = router

    @property
    def inbound(self) -> list:
        """Every incoming message the router saw in this test."""
        return self.router.inbound

    @property
    def outbound(self) -> list:
        """Every outgoing message the router saw in this test, cancelled ones too."""
        return self.router.outbound

    @property
    def sent_messages(self) -> list[dict[str, Any]]:
        """What ``mockbackend`` was asked to send: dicts of ``send()`` arguments."""
        return self.router.backends["mockbackend"].messages

    def clear_sent_messages(self) -> None:
        """Empty the ``mockbackend`` outbox."""
        self.router.backends["mockbackend"].clear()

    def lookup_connections(self, identities: Any, backend: Any = "mockbackend") -> list:  # type: ignore[override]
        """Return connections on ``mockbackend`` (note: identities come first)."""
        return api.lookup_connections(backend, identities)


class DatabaseBackendMixin(CustomRouterMixin):
    """Send through a ``DatabaseBackend`` named ``mockbackend``; read its table."""

    backends: dict[str, Any] = {
        "mockbackend": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}
    }

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        from rapidsms.models import Backend

        self.backend, _ = Backend.objects.get_or_create(name="mockbackend")

    @property
    def sent_messages(self) -> Any:
        """The rows ``mockbackend`` wrote for outgoing messages."""
        from rapidsms.backends.database.models import OUTGOING, BackendMessage

        return BackendMessage.objects.filter(name="mockbackend", direction=OUTGOING)


class LoginMixin:
    """Log the test client in as a fresh user."""

    def login(self) -> Any:
        """Create the user ``fred`` (password ``bob``) and log the client in."""
        from django.contrib.auth import get_user_model

        self.username = "fred"
        self.password = "bob"
        self.user = get_user_model().objects.create_user(self.username, password=self.password)
        self.client.login(username=self.username, password=self.password)  # type: ignore[attr-defined]
        return self.user
