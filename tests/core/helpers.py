"""Apps, backends and a router shared by the core tests."""

from __future__ import annotations

from typing import Any

from rapidsms.apps.base import AppBase
from rapidsms.backends.base import BackendBase
from rapidsms.errors import MessageSendingError
from rapidsms.router.blocking import BlockingRouter


class RecordingBackend(BackendBase):
    """Keep every ``send()`` call; fail the identities named in ``fail_identities``.

    Unlike the harness's ``MockBackend`` it declares its options, so an
    unknown option is rejected as it would be by a real gateway.
    """

    def configure(self, fail_identities: tuple[str, ...] = (), **options: Any) -> None:
        self.fail_identities = set(fail_identities)
        self.calls: list[dict[str, Any]] = []
        super().configure(**options)

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        self.calls.append(
            {"id_": id_, "text": text, "identities": list(identities), "context": context}
        )
        failed = [identity for identity in identities if identity in self.fail_identities]
        if failed:
            raise MessageSendingError("The gateway refused some numbers.", failed_identities=failed)

    def sent(self) -> list[tuple[str, list[str]]]:
        """Return ``(text, identities)`` of every call, in order."""
        return [(call["text"], call["identities"]) for call in self.calls]


class RaisingBackend(BackendBase):
    """Fail every send with a plain exception, as a gateway client with a bug would."""

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        raise ConnectionResetError("the gateway closed the connection")


class StrictSignatureBackend(BackendBase):
    """A backend whose ``configure`` takes no ``**options`` at all."""

    def configure(self, url: str = "http://127.0.0.1:9/") -> None:
        self.url = url

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        """Never called in these tests."""


class PhaseApp(AppBase):
    """Record each phase call in ``journal`` as ``(phase, app name)``.

    Subclasses made by :func:`make_app` choose what each phase returns
    (``returns``), which phases raise (``raises``) and which phases queue a
    reply (``replies``).
    """

    journal: list[tuple[str, str]] = []
    returns: dict[str, Any] = {}
    raises: frozenset[str] = frozenset()
    replies: dict[str, str] = {}

    def _run(self, phase: str, msg: Any) -> Any:
        self.journal.append((phase, self.name))
        if phase in self.replies:
            msg.respond(self.replies[phase])
        if phase in self.raises:
            raise RuntimeError(f"{self.name} broke in {phase}")
        return self.returns.get(phase)

    def filter(self, msg: Any) -> Any:
        return self._run("filter", msg)

    def parse(self, msg: Any) -> Any:
        return self._run("parse", msg)

    def handle(self, msg: Any) -> Any:
        return self._run("handle", msg)

    def default(self, msg: Any) -> Any:
        return self._run("default", msg)

    def cleanup(self, msg: Any) -> Any:
        return self._run("cleanup", msg)

    def outgoing(self, msg: Any) -> Any:
        return self._run("outgoing", msg)


def make_app(
    name: str,
    journal: list[tuple[str, str]],
    returns: dict[str, Any] | None = None,
    raises: tuple[str, ...] = (),
    replies: dict[str, str] | None = None,
) -> type[AppBase]:
    """Return a :class:`PhaseApp` subclass called ``name`` writing to ``journal``."""
    attributes = {
        "name": name,
        "journal": journal,
        "returns": returns or {},
        "raises": frozenset(raises),
        "replies": replies or {},
    }
    return type(f"{name.title()}App", (PhaseApp,), attributes)


# Instances built per class, to show that the router builds apps and backends once.
BUILT: dict[str, int] = {"app": 0, "backend": 0, "router": 0}


class CountedApp(AppBase):
    """Count its instances and reply to every message."""

    def __init__(self, router: Any) -> None:
        super().__init__(router)
        BUILT["app"] += 1

    def handle(self, msg: Any) -> bool:
        msg.respond(f"got {msg.text}")
        return True


class CountedBackend(RecordingBackend):
    """Count its instances."""

    def configure(self, **options: Any) -> None:
        BUILT["backend"] += 1
        super().configure(**options)


class CountedRouter(BlockingRouter):
    """A ``BlockingRouter`` with :class:`CountedApp` only, counting its instances."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        BUILT["router"] += 1
        kwargs.setdefault("apps", [CountedApp])
        super().__init__(*args, **kwargs)
