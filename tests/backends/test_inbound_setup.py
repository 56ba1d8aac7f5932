"""URLs, system checks and de-duplication of the inbound base."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import checks
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rapidsms.backends.inbound import dedupe
from rapidsms.backends.inbound.checks import (
    check_backend_names,
    check_inbound_app,
    check_inbound_app_deploy,
    check_inbound_secrets,
    check_inbound_secrets_deploy,
    check_unconfigured_backend_urls,
    check_unconfigured_backend_urls_deploy,
)
from rapidsms.backends.inbound.models import ReceivedMessage
from rapidsms.backends.urls import backend_urlpatterns

GENERIC = "rapidsms.backends.http.GenericHttpBackend"


def test_urls_are_mounted_per_backend_with_names() -> None:
    patterns = backend_urlpatterns({
        "acme": {"ENGINE": GENERIC},
        "tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
        "broken": {"ENGINE": "no.such.Backend"},
    })
    assert [(str(p.pattern), p.name) for p in patterns] == [
        ("acme/", "acme-inbound"), ("acme/status/", "acme-status")]


def test_project_urlconf_mounts_configured_backends(mount: object) -> None:
    mount({"acme": {"ENGINE": GENERIC}})  # type: ignore[operator]
    assert reverse("acme-inbound") == "/backends/acme/"
    assert reverse("acme-status") == "/backends/acme/status/"


def test_unknown_backend_in_url_is_404_for_our_gateway_views(db: None) -> None:
    from django.test import RequestFactory

    from rapidsms.backends.http.views import GenericHttpStatusView

    view = GenericHttpStatusView.as_view(backend_name="nowhere")
    response = view(RequestFactory().post("/x/", {"status": "delivered"}))
    assert response.status_code == 404


def test_a_2x_view_serves_a_backend_named_only_in_the_urlconf(db: None, caplog) -> None:
    # RapidSMS 2.x: the URLconf entry is the configuration.
    from django.test import RequestFactory

    from rapidsms.backends.http.views import GenericHttpBackendView
    from rapidsms.models import Connection

    view = GenericHttpBackendView.as_view(backend_name="nowhere")
    response = view(RequestFactory().post("/x/", {"identity": "+15550102070", "text": "hi"}))
    assert response.status_code == 200
    assert Connection.objects.filter(backend__name="nowhere",
                                     identity="+15550102070").exists()


def test_a_backend_whose_engine_does_not_import_answers_503_so_the_gateway_retries(
        db: None) -> None:
    from django.test import RequestFactory

    from rapidsms.backends.http.views import GenericHttpBackendView

    with override_settings(INSTALLED_BACKENDS={"gone": {"ENGINE": "no.such.Backend"}}):
        view = GenericHttpBackendView.as_view(backend_name="gone")
        response = view(RequestFactory().post("/x/", {"identity": "+15550102070",
                                                      "text": "hi"}))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0


def urlconf_2x() -> list[object]:
    """A RapidSMS 2.x URLconf: gateway views name their backend, configured or not."""
    from django.urls import path

    from rapidsms.backends.http.views import GenericHttpBackendView

    return [
        path("backend/kiosk/", GenericHttpBackendView.as_view(backend_name="kiosk")),
        path("backend/open/", GenericHttpBackendView.as_view(backend_name="open")),
    ]


@override_settings(ROOT_URLCONF=type("URLconf2x", (), {"urlpatterns": urlconf_2x()}),
                   INSTALLED_BACKENDS={"open": {"ENGINE": GENERIC}})
def test_a_url_for_a_backend_missing_from_settings_is_a_warning_and_a_deploy_error() -> None:
    """The message names the URL, the settings entry to add and the secret it lacks."""
    [warning] = check_unconfigured_backend_urls()
    [error] = check_unconfigured_backend_urls_deploy()
    assert (warning.id, warning.level) == ("rapidsms.backends.W003", checks.WARNING)
    assert (error.id, error.level) == ("rapidsms.backends.E003", checks.ERROR)
    for message in (warning, error):
        assert "'/backend/kiosk/'" in message.msg and "'kiosk'" in message.msg
        assert "INSTALLED_BACKENDS" in message.msg and "inbound_secrets" in message.msg
        assert "INSTALLED_BACKENDS['kiosk']" in message.hint
        assert "'inbound_secrets'" in message.hint
    from django.core.checks.registry import registry

    assert check_unconfigured_backend_urls_deploy not in registry.get_checks()
    assert check_unconfigured_backend_urls_deploy in registry.get_checks(
        include_deployment_checks=True)


@override_settings(INSTALLED_BACKENDS={
    "open": {"ENGINE": GENERIC},
    "closed": {"ENGINE": GENERIC, "inbound_secrets": ["s3cret-value"]},
    "tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
})
def test_backend_without_secret_warns_and_fails_deploy_check() -> None:
    warnings = check_inbound_secrets()
    assert [(w.id, w.level) for w in warnings] == [("rapidsms.backends.W001", checks.WARNING)]
    assert "'open'" in warnings[0].msg and "inbound_secrets" in warnings[0].hint
    errors = check_inbound_secrets_deploy()
    assert [(e.id, e.level) for e in errors] == [("rapidsms.backends.E001", checks.ERROR)]


def test_deploy_check_is_registered_as_deploy_only() -> None:
    from django.core.checks.registry import registry

    assert check_inbound_secrets_deploy in registry.get_checks(include_deployment_checks=True)
    assert check_inbound_secrets_deploy not in registry.get_checks()
    assert check_inbound_secrets in registry.get_checks()


@override_settings(INSTALLED_BACKENDS={"open": {"ENGINE": GENERIC}})
def test_missing_inbound_app_is_a_warning_and_a_deploy_error() -> None:
    assert check_inbound_app() == [] and check_inbound_app_deploy() == []
    from django.apps import apps

    with override_settings(INSTALLED_APPS=[a.name for a in apps.get_app_configs()
                                           if a.label != "rapidsms_inbound"]):
        [warning] = check_inbound_app()
        [error] = check_inbound_app_deploy()
    assert (warning.id, warning.level) == ("rapidsms.backends.W004", checks.WARNING)
    assert (error.id, error.level) == ("rapidsms.backends.E002", checks.ERROR)
    for message in (warning, error):
        assert "'open'" in message.msg and "routed" in message.msg
        assert "rapidsms.backends.inbound" in message.hint


@override_settings(INSTALLED_BACKENDS={"my gateway": {"ENGINE": GENERIC}})
def test_backend_name_unusable_in_url_is_reported() -> None:
    [warning] = check_backend_names()
    assert warning.id == "rapidsms.backends.W002"
    assert backend_urlpatterns() == []


def test_claim_is_unique_per_backend_and_id(db: None) -> None:
    window = timedelta(hours=1)
    first = dedupe.claim("gw", "abc", window)
    assert first is not None
    dedupe.mark_routed("gw", "abc", first)
    assert dedupe.claim("gw", "abc", window) is None
    assert dedupe.claim("other", "abc", window) is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceivedMessage.objects.create(backend="gw", external_id="abc",
                                       received_at=timezone.now())


def test_released_or_expired_claim_can_be_taken_again(db: None) -> None:
    window = timedelta(minutes=5)
    claimed_at = dedupe.claim("gw", "abc", window)
    assert claimed_at is not None
    dedupe.release("gw", "abc", claimed_at)
    assert dedupe.claim("gw", "abc", window) is not None
    ReceivedMessage.objects.update(received_at=timezone.now() - timedelta(minutes=6))
    assert dedupe.claim("gw", "abc", window) is not None
    assert ReceivedMessage.objects.count() == 1


def test_prune_deletes_old_ids(db: None) -> None:
    dedupe.claim("gw", "old", timedelta(hours=1))
    ReceivedMessage.objects.update(received_at=timezone.now() - timedelta(days=3))
    dedupe.claim("gw", "new", timedelta(hours=1))
    assert ReceivedMessage.objects.prune(timezone.now() - timedelta(days=1)) == 1
    assert list(ReceivedMessage.objects.values_list("external_id", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_many_threads_claiming_one_id_let_exactly_one_win() -> None:
    """Each thread has its own database connection, as separate web workers do."""
    import os
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        reason = ("needs PostgreSQL: SQLite in memory has one connection, so threads cannot "
                  "race; set DATABASE_URL=postgres://... to run it")
        if os.environ.get("RAPIDSMS_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    start = threading.Barrier(8)
    wins: list[bool] = []

    def claim() -> None:
        try:
            start.wait(timeout=10)
            try:
                wins.append(dedupe.claim("race", "same-id", timedelta(hours=1)) is not None)
            except dedupe.ClaimInProgress:
                wins.append(False)  # the winner is still routing: the loser answers 503
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(wins) == [False] * 7 + [True]




def test_a_2x_addon_view_is_secured_by_inbound_secrets_in_its_settings(db: None) -> None:
    from django.test import RequestFactory

    from rapidsms.backends.base import BackendBase
    from rapidsms.backends.http.views import GenericHttpBackendView

    class LegacyBackend(BackendBase):
        def configure(self, sendsms_url, **kwargs):  # 2.x style: swallows the rest
            self.sendsms_url = sendsms_url

    backends = {"legacy": {"ENGINE": LegacyBackend, "sendsms_url": "http://127.0.0.1:9/",
                           "inbound_secrets": ["s3cret-value"]}}
    view = GenericHttpBackendView.as_view(backend_name="legacy")
    data = {"identity": "+15550102070", "text": "hi"}
    with override_settings(INSTALLED_BACKENDS=backends):
        refused = view(RequestFactory().post("/x/", data))
        accepted = view(RequestFactory().post("/x/?token=s3cret-value", data))
    assert (refused.status_code, accepted.status_code) == (403, 200)
