"""The contract every backend implements."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from rapidsms.errors import BackendConfigurationError, BackendOptionsError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rapidsms.backends.results import Result
    from rapidsms.models import Backend

#: Option keys with this prefix belong to the router (for example
#: ``router.celery.eager``); they are kept in ``_config`` but not passed to
#: :meth:`BackendBase.configure`.
ROUTER_OPTION_PREFIX = "router."


class BackendBase:
    """Base class of a backend: the router's link to one gateway.

    A backend is configured in ``INSTALLED_BACKENDS``::

        INSTALLED_BACKENDS = {
            "my-gateway": {"ENGINE": "myproject.backends.MyBackend", "url": "..."},
        }

    The router builds it once per process as ``MyBackend(router, name,
    **options)`` with the option keys lower-cased, which calls
    :meth:`configure` with the options. Building a backend must not talk to
    the network: system checks build backends to validate their options.

    Subclasses implement:

    ``configure(self, <option>=<default>, ..., **options)``
        Declare the options as keyword arguments with their defaults, store
        them on ``self``, and pass what is left to ``super().configure(**options)``,
        which rejects any option nobody declared with ``ImproperlyConfigured``.
    ``send(self, id_, text, identities, context)``
        Send one text to every identity. Called once per message with all of
        this backend's identities. Return a result per identity
        (:mod:`rapidsms.backends.results`): ``Accepted(gateway_id)``, or
        ``Refused(reason, retryable=..., retry_after=...)``; the routers keep
        the gateway's ids for delivery reports and retry only refusals that
        may succeed later. As in RapidSMS 2.x, returning None means every
        identity got it, and raising :class:`rapidsms.errors.MessageSendingError`
        with ``failed_identities`` that some did not.

    And may implement, for a gateway that sends one text to many people in
    one request (a broadcast):

    ``coalesce_window`` and ``send_many(self, text, messages)``
        A router that stores and retries sends (the durable router) lets a
        send wait up to ``coalesce_window`` seconds, then passes every due
        message with the same text to one :meth:`send_many` call.
    """

    #: Seconds a durable router lets a send wait for other messages with the
    #: same text, which :meth:`send_many` then sends together. 0: no waiting.
    coalesce_window: float = 0.0

    def __init__(self, router: Any, name: str, **options: Any) -> None:
        self.router = router
        self.name = name
        self._config = options
        backend_options = {
            key: value
            for key, value in options.items()
            if not key.startswith(ROUTER_OPTION_PREFIX)
        }
        self._check_signature(backend_options)
        self.configure(**backend_options)

    @classmethod
    def find(cls, module_name: str) -> type[BackendBase]:
        """Return the backend class at the dotted path ``module_name``."""
        found = import_string(module_name)
        if not (inspect.isclass(found) and issubclass(found, BackendBase)):
            raise BackendConfigurationError(f"{module_name} is not a BackendBase subclass.")
        return found

    def configure(self, **options: Any) -> None:
        """Validate and store the options; reject any this backend does not know.

        Subclasses declare their options as keyword arguments and pass the
        rest here. Raise :class:`~rapidsms.errors.BackendOptionsError` naming
        the backend and the unknown option.
        """
        if options:
            unknown = ", ".join(sorted(options))
            known = ", ".join(sorted(self.accepted_options())) or "none"
            raise BackendOptionsError(
                f"Backend {self.name!r} ({type(self).__name__}) got unknown option(s) "
                f"{unknown} in INSTALLED_BACKENDS. Options it accepts: {known}."
            )

    @classmethod
    def accepted_options(cls) -> set[str]:
        """Return the option names declared by the ``configure`` methods of the class."""
        names: set[str] = set()
        for klass in cls.__mro__:
            method = vars(klass).get("configure")
            if method is None:
                continue
            for param in inspect.signature(method).parameters.values():
                if param.name != "self" and param.kind in (
                    param.POSITIONAL_OR_KEYWORD,
                    param.KEYWORD_ONLY,
                ):
                    names.add(param.name)
        return names

    def _check_signature(self, options: dict[str, Any]) -> None:
        """Turn a mismatch between options and ``configure()`` into a clear error.

        Without this, a backend whose ``configure`` has no ``**kwargs``, or
        requires an option, would fail with a bare ``TypeError`` that names
        neither backend nor setting. The error raised is still a ``TypeError``
        (as in RapidSMS 2.x) and also ``ImproperlyConfigured``.
        """
        try:
            inspect.signature(self.configure).bind(**options)
        except TypeError as exc:
            raise BackendOptionsError(
                f"Backend {self.name!r} ({type(self).__name__}) cannot be configured "
                f"with the options {sorted(options)} from INSTALLED_BACKENDS: {exc}. "
                f"Options it accepts: {', '.join(sorted(self.accepted_options())) or 'none'}."
            ) from exc

    def send(
        self,
        id_: str,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> Mapping[str, Result] | None:
        """Send ``text`` to every identity in ``identities``; return each one's result.

        ``id_`` is the message's id, ``context`` the message's
        ``extra_backend_context()``. Return ``{identity: Accepted(...) or
        Refused(...)}`` (an identity left out is accepted), or None when
        every identity got it. Raise ``MessageSendingError`` listing
        ``failed_identities`` when some identities did not get the message.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement send().")

    def send_many(
        self, text: str, messages: list[tuple[Any, list[str], dict[str, Any]]]
    ) -> dict[Any, Any]:
        """Send ``text`` for several messages at once; return ``{id_: outcome}``.

        ``messages`` lists ``(id_, identities, context)``, each as
        :meth:`send` would get it. Each message's outcome is what
        :meth:`send` would return for it, or the exception it would raise.
        The default calls :meth:`send` for each message; override it to
        make fewer requests (see :attr:`coalesce_window`).
        """
        outcomes: dict[Any, Any] = {}
        for id_, identities, context in messages:
            try:
                outcomes[id_] = self.send(id_, text, identities, context)
            except Exception as exc:
                outcomes[id_] = exc
        return outcomes

    @property
    def model(self) -> Backend:
        """The ``Backend`` row of this backend, created when missing."""
        from rapidsms.models import Backend

        backend, _ = Backend.objects.get_or_create(name=self.name)
        return backend

    def __repr__(self) -> str:
        return f"<backend: {self.name}>"

    def __str__(self) -> str:
        return self.name
