"""Say whether ``make demo`` may serve on an address: exit 0 when its port is free.

Usage: ``python example/check_port.py HOST:PORT`` (the Makefile passes
``DEMO_ADDR``). When something already listens there, it exits non-zero and
tells how to pick another port with ``DEMO_ADDR``, instead of letting
``runserver`` fail after the demo's setup has run.
"""

from __future__ import annotations

import socket
import sys


def busy_message(addr: str) -> str | None:
    """Return why ``addr`` cannot be served (its port is busy or unreadable), or None."""
    host, _, port = addr.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"DEMO_ADDR={addr} is not HOST:PORT: run make demo DEMO_ADDR=127.0.0.1:8001."
    host = host.strip("[]") or "127.0.0.1"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(2)
        if sock.connect_ex((host, int(port))) != 0:
            return None
    return (f"Port {addr} is busy: run make demo DEMO_ADDR=127.0.0.1:8001 "
            "(or any free port).")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_port.py HOST:PORT", file=sys.stderr)
        return 2
    message = busy_message(argv[0])
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
