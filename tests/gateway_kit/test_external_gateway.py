"""A gateway package written outside this repository, tested with nothing but ``rapidsms[test]``.

The test writes a tiny gateway package, *acme_sms*, into an empty temporary
folder: a backend, its inbound and status views, its own minimal settings,
and tests that subclass the suites shipped in :mod:`rapidsms.testing.gateways`.
It runs them with pytest in a fresh virtual environment that has only the
built wheel with its ``test`` extra installed (the ``site_venv`` fixture of
``tests/packaging``), from a folder outside the checkout: the suites come
from the installed package, their fixtures (``mount``, ``gateway``) from the
pytest plugin the wheel registers, and nothing from our own tests or
settings. The suites' messages come from +15550000001.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.packaging.dists import REPO_ROOT
from tests.packaging.venvs import Venv

PACKAGE = {
    "acme_sms/__init__.py": '''
"""Acme: an SMS aggregator with a JSON API."""
''',
    "acme_sms/backend.py": '''
"""AcmeBackend: send through Acme's JSON API; receive on /backends/<name>/."""

from __future__ import annotations

from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.http_base import HttpBackendBase


class AcmeBackend(HttpBackendBase):
    inbound_view = "acme_sms.views.AcmeInboundView"
    status_view = "acme_sms.views.AcmeStatusView"
    max_identities_per_request = 100

    def configure(self, api_key: str | None = None,
                  url: str = "https://api.acme-sms.example/v1/messages", **options: Any) -> None:
        if not api_key:
            raise ImproperlyConfigured(f"Backend {self.name!r}: the option api_key is required.")
        self.api_key = api_key
        self.url = url
        super().configure(**options)

    def build_session(self) -> requests.Session:
        session = super().build_session()
        session.headers["Authorization"] = f"Bearer {self.api_key}"
        return session

    def prepare_request(self, id_: str, text: str, identities: list[str],
                        context: dict[str, Any]) -> dict[str, Any]:
        return {"method": "POST", "url": self.url,
                "json": {"to": identities, "text": text, "reference": id_}}
''',
    "acme_sms/views.py": '''
"""Acme's inbound views: messages and delivery reports, both JSON posts."""

from __future__ import annotations

from django.http import HttpRequest

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.views import BadRequest, GatewayMessage, InboundView, StatusView
from rapidsms.backends.status import Status

STATUS_MAP = {"accepted": Status.QUEUED, "sent": Status.SENT, "delivered": Status.DELIVERED,
              "undeliverable": Status.FAILED}


class AcmeInboundView(InboundView):
    http_method_names = ["post"]
    identity_field, text_field, external_id_field = "from", "text", "id"

    def parse_message(self, request: HttpRequest) -> GatewayMessage:
        data = self.read_json(request)
        return GatewayMessage(identity=self.require(data, "from"),
                              text=self.require(data, "text"),
                              external_id=str(data.get("id") or ""))


class AcmeStatusView(StatusView):
    http_method_names = ["post"]
    identity_field, status_field = "to", "status"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        data = self.read_json(request)
        raw_status = self.require(data, "status")
        status = STATUS_MAP.get(raw_status.lower())
        if status is None:
            raise BadRequest(f"Unknown status {raw_status[:40]!r}.", field="status")
        return DeliveryReport(status=status, raw_status=raw_status,
                              message_id=str(data.get("reference") or ""),
                              external_id=str(data.get("id") or ""),
                              identity=str(data.get("to") or ""), raw=data)
''',
    "acme_settings.py": '''
"""The gateway package's own test settings: nothing of RapidSMS's test suite."""

SECRET_KEY = "acme-tests-only"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rapidsms",
    "rapidsms.backends.inbound",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "acme_urls"
INSTALLED_BACKENDS = {}
''',
    "acme_urls.py": '''
urlpatterns = []
''',
    "pytest.ini": '''
[pytest]
DJANGO_SETTINGS_MODULE = acme_settings
pythonpath = .
addopts = -p no:cacheprovider --strict-markers -rs
''',
    "tests/test_acme.py": '''
"""Acme held to the promises every gateway keeps, with the suites RapidSMS ships."""

from __future__ import annotations

import json
from typing import Any

import rapidsms.testing.gateways
from rapidsms.testing.fake_gateway import RecordedRequest
from rapidsms.testing.gateways import (
    ContractSuite,
    DeliveryReportSuite,
    FaultSuite,
    GatewayRequest,
    HostileInputSuite,
    InboundSecuritySuite,
    MalformedInputSuite,
)


def json_request(data: dict[str, Any]) -> GatewayRequest:
    body = {key: value for key, value in data.items() if value is not None}
    return GatewayRequest(data=json.dumps(body).encode(), content_type="application/json")


class Acme:
    engine = "acme_sms.backend.AcmeBackend"
    options = {"api_key": "acme-api-key-0123456789"}
    identity_field = "from"
    text_field = "text"

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        return json_request({"from": identity, "text": text, "id": external_id})

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        return json_request({"reference": message_id, "to": identity, "status": raw_status,
                             "id": "acme-77"})


class TestAcmeInboundSecurity(Acme, InboundSecuritySuite):
    pass


class TestAcmeMalformedInput(Acme, MalformedInputSuite):
    pass


class TestAcmeHostileInput(Acme, HostileInputSuite):
    hostile_examples = 30


class TestAcmeFaults(Acme, FaultSuite):
    pass


class TestAcmeDeliveryReports(Acme, DeliveryReportSuite):
    status_cases = {"accepted": "queued", "sent": "sent", "delivered": "delivered",
                    "undeliverable": "failed"}


class TestAcmeContract(Acme, ContractSuite):
    per_identity_requests = False
    secret_options = {"api_key": "acme-api-key-0123456789"}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"url": url}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return request.json["to"]

    def sent_text(self, request: RecordedRequest) -> str:
        return request.json["text"]


def test_the_suites_come_from_the_installed_package() -> None:
    with open("suites_from.txt", "w") as noted:
        noted.write(rapidsms.testing.gateways.__file__)
''',
}


def write_package(root: Path) -> Path:
    """Write the gateway package into ``root``; return it."""
    for name, text in PACKAGE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())
    return root


def test_a_gateway_package_runs_the_shipped_suites_with_only_rapidsms_test_installed(
    site_venv: Venv, tmp_path: Path
) -> None:
    project = write_package(tmp_path / "acme-sms")
    result = site_venv.run([site_venv.python, "-m", "pytest", "-q", "tests"], cwd=project,
                           timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    # The suites (and so the plugin's fixtures) came from the wheel, not this checkout.
    suites_from = (project / "suites_from.txt").read_text()
    assert "site-packages" in suites_from and str(REPO_ROOT) not in suites_from, suites_from
    summary = re.search(r"(\d+) passed", output)
    assert summary and int(summary.group(1)) >= 60, output[-2000:]
