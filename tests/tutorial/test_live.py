"""Steps 5 to 7 of the tutorial, on the reader's project served by ``runserver``.

The commands and requests come from the pages (only the ports change, so
that the tests never collide with a server a person is running), and the
answers must be the ones the pages show.
"""

from __future__ import annotations

import html
import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.tutorial import pages
from tests.tutorial.walk import TutorialWalk, child_env, python_argv

USERNAME, PASSWORD = "admin", "tutorial-admin-password"
#: The address every page uses for the development server.
PAGE_SITE = "http://127.0.0.1:8000"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    """A server the tests started, with its output written to a file."""

    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@dataclass
class Site:
    """The reader's project, served on 127.0.0.1, with the stand-in gateway beside it."""

    walk: TutorialWalk
    url: str
    server: Process
    gateway_argv: list[str]
    gateway_port: int
    rapidpro_port: int
    processes: list[Process] = field(default_factory=list)
    gateway: Process | None = None

    def start(self, argv: list[str], name: str, cwd: Path | None = None) -> Process:
        """Start a server process the tests own; stop it with the site."""
        log = self.walk.root.parent / f"{name}.log"
        with log.open("w") as out:
            popen = subprocess.Popen(
                argv, cwd=cwd or self.walk.root, env=child_env(), stdout=out,
                stderr=subprocess.STDOUT,
            )
        process = Process(popen, log)
        self.processes.append(process)
        return process

    def start_gateway(self) -> Process:
        """Run the stand-in gateway as the page says, in an empty folder."""
        folder = self.walk.root.parent / "any-folder"
        folder.mkdir(exist_ok=True)
        self.gateway = self.start(self.gateway_argv, "gateway", cwd=folder)
        wait_for_port(self.gateway_port, self.gateway)
        return self.gateway

    def address(self, page_url: str) -> str:
        """Return the address of a page URL on this site."""
        return page_url.replace(PAGE_SITE, self.url)

    def login(self) -> tuple[requests.Session, requests.Response]:
        """Log in on the login page, as a person would; return the session and the dashboard."""
        session = requests.Session()
        first = session.get(self.url + "/", timeout=10)
        assert first.url == f"{self.url}/login/?next=/", first.url
        landing = session.post(
            first.url,
            data={"username": USERNAME, "password": PASSWORD,
                  "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            timeout=10,
        )
        assert landing.status_code == 200, landing.text[:500]
        return session, landing


def wait_for_port(port: int, process: Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"The server stopped:\n{process.output()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"Nothing listens on port {port}:\n{process.output()}")


def wait_for(condition: Any, what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}.")


@pytest.fixture(scope="module")
def site(walk: TutorialWalk) -> Iterator[Site]:
    """Follow every page, create the login, and serve the project as ``runserver`` does."""
    walk.upto(len(pages.STEPS))
    created = walk.manage("createsuperuser", "--noinput", "--username", USERNAME,
                          "--email", "admin@example.org", DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    assert created.returncode == 0, created.output
    port, gateway_port, rapidpro_port = free_port(), free_port(), free_port()
    gateway_argv, _ = pages.command("gateway", "python", "http.server")
    gateway_argv = [str(gateway_port) if word == "8001" else word for word in gateway_argv]
    runserver, _ = pages.command("project", "python", "runserver")
    argv = [*python_argv(runserver), f"127.0.0.1:{port}", "--noreload"]
    log = walk.root.parent / "runserver.log"
    env = child_env(GATEWAY_URL=f"http://127.0.0.1:{gateway_port}/",
                    RAPIDPRO_URL=f"http://127.0.0.1:{rapidpro_port}")
    with log.open("w") as out:
        popen = subprocess.Popen(argv, cwd=walk.root, env=env, stdout=out,
                                 stderr=subprocess.STDOUT)
    server = Process(popen, log)
    site = Site(walk, f"http://127.0.0.1:{port}", server, python_argv(gateway_argv),
                gateway_port, rapidpro_port, [server])
    try:
        wait_for_port(port, server)
        yield site
    finally:
        for process in reversed(site.processes):
            process.stop()


@pytest.fixture(scope="module")
def logged_in(site: Site) -> tuple[requests.Session, requests.Response]:
    """Return a session logged in once for the module (a login costs a password hash)."""
    return site.login()


def bubbles(page: str) -> list[str]:
    """Return the texts of the message tester's conversation, oldest first."""
    return [html.unescape(text) for text in
            re.findall(r'<span class="text">(.*?)</span>', page, re.DOTALL)]


def column(page: str, label: str) -> list[str]:
    """Return the cells of one column of a table page."""
    cells = re.findall(rf'<td data-label="{label}"[^>]*>(.*?)</td>', page, re.DOTALL)
    return [html.unescape(cell.strip()) for cell in cells]


def stock_page(session: requests.Session, site: Site, **query: str) -> str:
    response = session.get(site.address(f"{PAGE_SITE}/stock/"), params=query, timeout=10)
    assert response.status_code == 200
    return response.text


# Step 1: the dashboard --------------------------------------------------------


def test_dashboard_lists_the_sms_apps_in_order(site, logged_in):
    _, landing = logged_in
    assert landing.url == site.url + "/"
    apps = re.search(r'<ol class="plain sms-apps">(.*?)</ol>', landing.text, re.DOTALL)
    assert re.findall(r"<strong>(.*?)</strong>", apps.group(1)) == [
        "messagelog", "handlers", "default",
    ]
    assert "<strong>message_tester</strong>" in landing.text
    assert "(``messagelog``, ``handlers``, ``default``)" in pages.prose("project")


# Step 3: the page of reports -------------------------------------------------------


def test_reports_page_needs_a_login(site, logged_in):
    response = requests.get(site.address(f"{PAGE_SITE}/stock/"), timeout=10)
    assert response.url == f"{site.url}/login/?next=/stock/"
    session, _ = logged_in
    assert "No stock reports yet." in stock_page(session, site)
    assert '"No stock reports yet."' in pages.prose("reports")


# Step 5: the message tester --------------------------------------------------------


def test_message_tester_answers_what_the_page_says(site, logged_in):
    session, _ = logged_in
    landing = session.get(site.address(f"{PAGE_SITE}/httptester/"), timeout=10)
    # The index sends a new visitor to a random six-digit number's page.
    assert re.fullmatch(rf"{site.url}/httptester/\d{{6}}/", landing.url), landing.url
    number = landing.url.rstrip("/").rsplit("/", 1)[1]
    rows = pages.list_table("tester")
    assert rows[0] == ["you type", "the reply"]
    for typed, reply in rows[1:]:
        page = session.post(landing.url, data={
            "identity": number, "text": typed, "action": "send",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        }, timeout=10)
        assert page.url == landing.url
        assert bubbles(page.text)[-2:] == [typed, reply]

    # Another health worker: the page moves to that number, and Numbers lists both.
    other = session.post(landing.url, data={
        "identity": "+15550002", "text": "STOCK ACT 5", "action": "send",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, timeout=10)
    assert other.url == f"{site.url}/httptester/+15550002/"
    assert f'href="/httptester/{number}/"' in other.text

    # "the two reports you sent are there, from the number you sent them as"
    reports = stock_page(session, site)
    assert column(reports, "Phone")[1:] == [number, number]
    assert column(reports, "Item")[1:] == ["Zinc tablets", "Oral rehydration salts"]
    assert "?sort=quantity" in reports  # the Count header sorts
    assert column(stock_page(session, site, sort="quantity"), "Count") == ["5", "12", "30"]

    log = session.get(site.address(f"{PAGE_SITE}/messagelog/"), timeout=10).text
    assert "Sorry, Clinic stock could not understand your message." in column(log, "Text")


# Step 6: the gateway ---------------------------------------------------------------


def documented_curl() -> tuple[str, dict[str, str]]:
    argv, _ = pages.command("gateway", "curl", "-i")
    url = next(word for word in argv if word.startswith("http"))
    fields = dict(
        argv[index + 1].split("=", 1)
        for index, word in enumerate(argv) if word == "--data-urlencode"
    )
    return url, fields


def test_curl_delivers_a_message_and_the_reply_reaches_the_gateway(site, logged_in):
    gateway = site.start_gateway()
    assert "Serving HTTP on 127.0.0.1 port" in wait_for(gateway.output, "the stand-in's banner")
    url, fields = documented_curl()
    assert fields == {"from": "+15550001", "text": "STOCK ORS 12"}

    response = requests.post(site.address(url), data=fields, timeout=10)

    status, *headers, blank, body = pages.literal_blocks("gateway")[0].splitlines()
    assert blank == ""
    assert f"HTTP/1.1 {response.status_code} {response.reason}" == status
    for header in headers:
        name, value = header.split(": ", 1)
        assert response.headers[name] == value
    assert response.text == body
    # The stand-in printed the request that carried the reply.
    shown = pages.literal_blocks("gateway")[1]
    request_line = re.search(r'"GET .*" 200 -', shown).group(0)
    wait_for(lambda: request_line in gateway.output(), f"{request_line} in the stand-in's log")

    session, _ = logged_in
    reports = stock_page(session, site)
    assert column(reports, "Phone")[0] == "+15550001"
    assert column(reports, "Count")[0] == "12"
    log = session.get(site.address(f"{PAGE_SITE}/messagelog/"),
                      params={"backend": "gateway"}, timeout=10).text
    assert column(log, "Text")[:2] == [
        "Thank you. Oral rehydration salts: 12 in stock.", "STOCK ORS 12",
    ]


def test_bad_requests_get_the_answers_the_page_shows(site):
    url, fields = documented_curl()
    base = site.address(url).split("?")[0]
    rows = pages.list_table("gateway")[1:]
    answers = [(int(answer.split(" ", 1)[0]), json.loads(answer.split(" ", 1)[1]))
               for _, answer in rows]
    no_token = requests.post(base, data=fields, timeout=10)
    wrong_token = requests.post(base + "?token=wrong", data=fields, timeout=10)
    no_text = requests.post(site.address(url), data={"from": fields["from"]}, timeout=10)
    assert [(r.status_code, r.json()) for r in (no_token, wrong_token, no_text)] == [
        answers[0], answers[0], answers[1],
    ]


def test_a_reply_the_gateway_cannot_take_keeps_the_report(site, logged_in):
    if site.gateway is not None:
        site.gateway.stop()  # "stop the stand-in and send again"
    url, fields = documented_curl()
    session, _ = logged_in
    before = len(column(stock_page(session, site), "Count"))
    response = requests.post(site.address(url), data=fields, timeout=30)
    assert (response.status_code, response.text) == (200, "OK")
    assert len(column(stock_page(session, site), "Count")) == before + 1
    wait_for(lambda: "Backend gateway failed to send message" in site.server.output(),
             "the failed reply in the server's log")


# Step 7: RapidPro, through the sandbox -----------------------------------------------


def test_rapidpro_sandbox_round_trip(site, logged_in):
    argv, shown = pages.command("rapidpro", "python", "rapidpro_sandbox")
    argv = [site.address(word) for word in argv] + ["--port", str(site.rapidpro_port)]
    sandbox = site.start(python_argv(argv), "sandbox")
    banner = shown.strip().replace("8765", str(site.rapidpro_port))
    wait_for(lambda: banner in sandbox.output(), f"{banner!r} from the sandbox")

    receive, _ = pages.command("rapidpro", "curl", "-X")
    url = receive[receive.index("-X") + 2].replace("8765", str(site.rapidpro_port))
    delivered = requests.post(url, data=receive[receive.index("-d") + 1], timeout=30)
    assert delivered.status_code == 201, delivered.text
    assert delivered.json()["deliveries"] == [[f"{site.url}/backends/rapidpro/", 200]]

    listing, _ = pages.command("rapidpro", "curl", "-H")
    name, value = listing[listing.index("-H") + 1].split(": ", 1)
    messages_url = listing[-1].replace("8765", str(site.rapidpro_port))

    def reply() -> dict[str, Any] | None:
        results = requests.get(messages_url, headers={name: value}, timeout=10).json()["results"]
        return results[0] if results and results[0]["direction"] == "out" else None

    newest = wait_for(reply, "the reply in the sandbox")
    text = pages.prose("rapidpro")
    for key in ("direction", "urn", "text"):
        assert f'``"{key}": "{newest[key]}"``' in text

    session, _ = logged_in
    assert column(stock_page(session, site), "Phone")[0] == "tel:+250788123123"
