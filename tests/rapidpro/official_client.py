"""RapidPro's official client (``rapidpro-python``'s ``temba_client``) against the sandbox.

:func:`record` runs a fixed session of the official client against a fresh
sandbox and returns every API answer it received. The answers of both
server lines are kept in ``data/official-client/<shape>.json`` so that our
own client can be tested on exactly what the official one read. Record them
again after changing the sandbox::

    python -m tests.rapidpro.official_client
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rapidsms.backends.rapidpro.sandbox import Sandbox
from tests.durable.processes import missing

DATA = Path(__file__).resolve().parent / "data" / "official-client"
SHAPES = ("current", "v9")
TOKEN = "official-client-token"


def temba() -> Any:
    """Return the ``temba_client`` package, or skip the test where it is not installed.

    Under ``RAPIDSMS_REQUIRE_SERVICES=1`` (CI) a missing client fails the test instead.
    """
    try:
        import temba_client.v2 as client
    except ImportError:
        missing("RapidPro's official client is a test dependency: pip install rapidpro-python")
    return client


@contextmanager
def recording(answers: list[dict[str, Any]], call: list[str]) -> Iterator[None]:
    """Record each answer the official client receives, under the name in ``call[0]``."""
    import temba_client.base as base

    original = base.request

    def request(method: str, url: str, **kwargs: Any) -> Any:
        response = original(method, url, **kwargs)
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = response.text
        answers.append({
            "call": call[0], "method": method.upper(), "path": urlsplit(url).path,
            "status": response.status_code,
            "retry_after": response.headers.get("Retry-After"), "body": body,
        })
        return response

    base.request = request
    try:
        yield
    finally:
        base.request = original


def record(shape: str) -> list[dict[str, Any]]:
    """Run the official client's session against a new sandbox; return what it received."""
    v2 = temba()
    from temba_client.exceptions import TembaException

    answers: list[dict[str, Any]] = []
    call = [""]
    with Sandbox(token=TOKEN, shape=shape) as sandbox, recording(answers, call):
        client = v2.TembaClient(sandbox.url, TOKEN)
        for number in range(3):
            sandbox.receive(f"tel:+25078800000{number}", f"incoming {number}")

        def run(name: str, action: Any) -> None:
            call[0] = name
            try:
                action()
            except TembaException:
                pass  # the answer is recorded; what the client made of it is tested elsewhere

        run("workspace", client.get_org)
        run("create_contact", lambda: client.create_contact(
            name="Ama", language="eng", urns=["tel:+250788123123"], fields={}, groups=[]))
        run("contacts", lambda: client.get_contacts().all())
        run("create_broadcast", lambda: client.create_broadcast(
            "Muraho!", urns=["tel:+250788123124"]))
        run("broadcasts", lambda: client.get_broadcasts().all())
        run("create_message", lambda: client.create_message(
            client.get_contacts(urn="tel:+250788123123").first(), "Amakuru?", []))
        run("messages", lambda: client.get_messages(folder="inbox").all())
        sandbox.fail_next(429, retry_after=1, endpoint="contacts")
        run("rate_limited", lambda: client.get_contacts().all())
        run("bad_token", lambda: v2.TembaClient(sandbox.url, "not-the-token").get_org())
    return answers


def recorded(shape: str) -> list[dict[str, Any]]:
    """Return the answers kept in the data file of ``shape``."""
    return json.loads((DATA / f"{shape}.json").read_text(encoding="utf-8"))


if __name__ == "__main__":
    DATA.mkdir(parents=True, exist_ok=True)
    for each in SHAPES:
        (DATA / f"{each}.json").write_text(json.dumps(record(each), indent=1) + "\n",
                                           encoding="utf-8")
