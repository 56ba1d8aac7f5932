"""Real Kannel for the tests: bearerbox, smsbox and Kannel's ``fakesmsc``, on loopback ports.

The configuration is ``kannel.conf`` beside this module, the sample of the
Kannel page of the documentation (``test_config_sample.py`` keeps the two
equal), with its ports, log files, passwords and URL replaced by this run's.
Debian packages the programs: ``bearerbox`` and ``smsbox`` in ``kannel``,
``fakesmsc`` in ``kannel-extras``.

``fakesmsc`` plays the phones: it sends the messages it is given to the fake
SMS centre of the bearerbox, then prints every message Kannel sends it
("Got message 1: <from to type data>"), which :class:`FakeSMSC` reads.
The fake SMS centre serves one ``fakesmsc`` at a time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from tests.durable.processes import free_port, missing, reachable, wait_until

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "kannel.conf"
#: Where Debian puts Kannel's programs (``/usr/sbin`` is not on every user's PATH).
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin",
                               "/usr/lib/kannel/test", "/usr/local/lib/kannel/test"])
INSTALL_HINT = "apt-get install kannel kannel-extras"


def find_program(name: str) -> str:
    """Return the path of Kannel program ``name``; skip (or fail) the test without it."""
    found = shutil.which(name, path=SEARCH_PATH)
    if found is None:
        missing(f"Kannel's {name} is not installed ({INSTALL_HINT})")
    return str(found)


def kannel_version() -> str:
    """Return the version the bearerbox reports, e.g. ``"1.4.5"``."""
    out = subprocess.run([find_program("bearerbox"), "--version"], capture_output=True,
                         text=True, timeout=10)
    found = re.search(r"Kannel bearerbox version `([^']+)'", out.stdout + out.stderr)
    return found.group(1) if found else "unknown"


@dataclass
class KannelSetup:
    """What differs per run between the documented sample and the configuration tested."""

    log_dir: Path
    site_url: str
    token: str
    sendsms_password: str = "kannel-tests-sendsms-password"
    admin_password: str = "kannel-tests-admin-password"

    def __post_init__(self) -> None:
        self.admin_port, self.smsbox_port = free_port(), free_port()
        self.smsc_port, self.sendsms_port = free_port(), free_port()

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def replacements(self) -> dict[str, str]:
        """Return each placeholder value of the sample and what this run writes instead."""
        return {
            "13000": str(self.admin_port),
            "13001": str(self.smsbox_port),
            "13013": str(self.sendsms_port),
            "10000": str(self.smsc_port),
            "/var/log/kannel/": f"{self.log_dir}/",
            "<an admin password>": self.admin_password,
            "<the sendsms-user password>": self.sendsms_password,
            "https://sms.example.org": self.site_url,
            "<one of inbound_secrets>": self.token,
        }

    def render(self, sample: str) -> str:
        """Return ``sample`` with this run's values; fail if a placeholder is missing."""
        for placeholder, value in self.replacements().items():
            pattern = re.escape(placeholder)
            if placeholder.isdigit():
                pattern = rf"\b{pattern}\b"
            sample, count = re.subn(pattern, lambda _, value=value: value, sample)
            assert count, f"the Kannel sample no longer contains {placeholder!r}"
        return sample

    def write(self) -> Path:
        path = self.log_dir / "kannel.conf"
        path.write_text(self.render(SAMPLE.read_text(encoding="utf-8")), encoding="utf-8")
        return path


class Box:
    """One Kannel box (``bearerbox`` or ``smsbox``) run on a configuration file."""

    def __init__(self, program: str, config: Path, log_dir: Path, ready_port: int) -> None:
        self.program = program
        self.binary = find_program(program)
        self.config = config
        self.output = log_dir / f"{program}.out"
        self.ready_port = ready_port
        self.proc: subprocess.Popen[bytes] | None = None

    def launch(self) -> Box:
        with open(self.output, "ab") as output:
            self.proc = subprocess.Popen([self.binary, str(self.config)], stdout=output,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_ready(self, timeout: float = 30) -> Box:
        """Wait until the box listens on its port; fail the test if it exits first."""
        url = f"http://127.0.0.1:{self.ready_port}/"

        def up() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.program} exited:\n{self.tail()}")
            return reachable(url, self.ready_port)

        wait_until(up, timeout, message=f"{self.program} did not start:\n{self.tail()}")
        return self

    def start(self) -> Box:
        return self.launch().wait_ready()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 10) -> None:
        """Stop the box as an operator would (SIGTERM); SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.output.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:])


class Kannel:
    """A bearerbox and an smsbox on the configuration of a :class:`KannelSetup`."""

    def __init__(self, setup: KannelSetup) -> None:
        self.setup = setup
        config = setup.write()
        self.bearerbox = Box("bearerbox", config, setup.log_dir, setup.smsbox_port)
        self.smsbox = Box("smsbox", config, setup.log_dir, setup.sendsms_port)
        find_program("fakesmsc")

    def start(self) -> Kannel:
        self.bearerbox.start()
        self.smsbox.start()
        return self

    def stop(self) -> None:
        self.smsbox.stop()
        self.bearerbox.stop()

    def fake_smsc(self) -> FakeSMSC:
        return FakeSMSC(self.setup.smsc_port, self.setup.log_dir)


@dataclass(frozen=True)
class Received:
    """A message Kannel delivered to ``fakesmsc``, as it printed it."""

    sender: str
    receiver: str
    kind: str  # "text", "data", "ucs-2" or "udh"
    data: bytes
    udh: bytes = b""

    @property
    def part(self) -> tuple[int, int, int] | None:
        """Return (reference, total, number) of a concatenated SMS's UDH, else None."""
        # Information element 0x00: 8-bit reference, total parts, this part's number.
        if len(self.udh) >= 6 and self.udh[1] == 0x00 and self.udh[2] == 0x03:
            return self.udh[3], self.udh[4], self.udh[5]
        return None


#: fakesmsc's line for each message it receives from Kannel.
GOT = re.compile(rb"Got message \d+: <(?P<message>.*)>$")


def url_decode(data: bytes) -> bytes:
    """Return the bytes of Kannel's URL encoding, which writes a space as ``+``."""
    return unquote_to_bytes(data.replace(b"+", b" "))


def parse_received(line: bytes) -> Received:
    """Return the message of a fakesmsc line's ``<from to type data>`` part."""
    sender, receiver, kind, rest = line.split(b" ", 3)
    udh = b""
    if kind == b"udh":
        encoded_udh, kind, rest = rest.split(b" ", 2)
        udh = url_decode(encoded_udh)
    data = rest if kind == b"text" else url_decode(rest)
    return Received(sender.decode(), receiver.decode(), kind.decode(), data, udh)


class FakeSMSC:
    """Kannel's ``fakesmsc``: send messages to Kannel as phones, record what Kannel sends."""

    def __init__(self, port: int, log_dir: Path) -> None:
        self.binary = find_program("fakesmsc")
        self.port = port
        self.log_path = log_dir / "fakesmsc.out"
        self.received: list[Received] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.reader: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self, message: str, count: int = 1, interval: float = 0.05) -> FakeSMSC:
        """Send ``message`` (``"<from> <to> <type> <data>"``) ``count`` times, then listen."""
        self.proc = subprocess.Popen(
            [self.binary, "-H", "127.0.0.1", "-r", str(self.port), "-i", str(interval),
             "-m", str(count), message],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        with open(self.log_path, "ab") as log:
            for line in self.proc.stdout:
                log.write(line)
                found = GOT.search(line.rstrip(b"\r\n"))
                if found:
                    with self.lock:
                        self.received.append(parse_received(found["message"]))

    def messages_to(self, receiver: str) -> list[Received]:
        with self.lock:
            return [message for message in self.received if message.receiver == receiver]

    def wait_for(self, receiver: str, count: int, timeout: float = 60) -> list[Received]:
        """Wait until ``count`` messages reached ``receiver``; return them."""
        wait_until(lambda: len(self.messages_to(receiver)) >= count, timeout,
                   message=f"fakesmsc got {len(self.messages_to(receiver))} of {count} "
                           f"message(s) for {receiver}:\n{self.tail()}")
        return self.messages_to(receiver)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self.reader is not None:
            self.reader.join(10)

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no output)"
        return "\n".join(text.splitlines()[-lines:])


def reassemble(parts: list[Received]) -> bytes:
    """Return the data of a concatenated message's parts, in the order their UDH gives."""
    numbered = sorted(parts, key=lambda part: part.part[2] if part.part else 0)
    return b"".join(part.data for part in numbered)

