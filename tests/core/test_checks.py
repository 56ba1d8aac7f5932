"""System checks: each misconfiguration gets its stable id and a hint saying what to write."""

from __future__ import annotations

import logging

import pytest
from django.apps import AppConfig
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from rapidsms.backends.base import BackendBase
from rapidsms.checks import check_apps, check_backends, check_backends_deploy, check_router
from rapidsms.router.blocking import BlockingRouter

SAMPLES = "tests.core.sample_apps"


def ids(messages):
    return [message.id for message in messages]


class PickyBackend(BackendBase):
    """Rejects a bad value with its own exception, as many real configure() methods do."""

    def configure(self, timeout: float = 10.0, **options):
        if float(timeout) <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        super().configure(**options)


# RAPIDSMS_ROUTER (E001) ----------------------------------------------------------


def test_router_default_and_instance_pass():
    assert check_router() == []
    with override_settings(RAPIDSMS_ROUTER=BlockingRouter(apps=[], backends={})):
        assert check_router() == []


@pytest.mark.parametrize(
    "path",
    ["rapidsms.router.blocking.BlokingRouter", "myproject.routers.Router", "os.path",
     "rapidsms.models.Contact"],
)
def test_router_that_cannot_be_imported_or_is_not_a_router(path):
    with override_settings(RAPIDSMS_ROUTER=path):
        [error] = check_router()
    assert error.id == "rapidsms.E001"
    assert repr(path) in error.msg
    assert "RAPIDSMS_ROUTER = 'rapidsms.router.blocking.BlockingRouter'" in error.hint


def test_router_class_instead_of_its_path():
    with override_settings(RAPIDSMS_ROUTER=BlockingRouter):
        [error] = check_router()
    assert error.id == "rapidsms.E001"
    assert error.hint == "Write RAPIDSMS_ROUTER = 'rapidsms.router.blocking.router.BlockingRouter'."


# INSTALLED_BACKENDS (E002 to E005) ---------------------------------------------------


def test_backends_valid_setting_passes():
    backends = {"db": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
                "picky": {"ENGINE": PickyBackend, "TIMEOUT": 5}}
    with override_settings(INSTALLED_BACKENDS=backends):
        assert check_backends() == []


def test_backends_not_a_dict():
    with override_settings(INSTALLED_BACKENDS=["rapidsms.backends.database.DatabaseBackend"]):
        [error] = check_backends()
    assert error.id == "rapidsms.E002"
    assert "not list" in error.msg
    assert ("INSTALLED_BACKENDS = {'message_tester': "
            "{'ENGINE': 'rapidsms.backends.database.DatabaseBackend'}}") in error.hint


@pytest.mark.parametrize("conf", [{"url": "http://127.0.0.1/"}, "rapidsms.backends.database"])
def test_backend_without_engine(conf):
    with override_settings(INSTALLED_BACKENDS={"gateway": conf}):
        [error] = check_backends()
    assert error.id == "rapidsms.E003"
    assert "'gateway'" in error.msg
    assert "{'ENGINE': 'rapidsms.backends.database.DatabaseBackend'}" in error.hint


def test_backend_engine_that_cannot_be_imported_is_a_warning_and_a_deploy_error():
    # RapidSMS 2.x ran a project (its tests, say) with a gateway package absent.
    with override_settings(INSTALLED_BACKENDS={"gateway": {"ENGINE": "rapidsms.backends.kanel"}}):
        [warning] = check_backends()
        [error] = check_backends_deploy()
    assert (warning.id, warning.level) == ("rapidsms.W004", checks.WARNING)
    assert (error.id, error.level) == ("rapidsms.E004", checks.ERROR)
    for message in (warning, error):
        assert "'rapidsms.backends.kanel'" in message.msg
        assert "spelling" in message.hint and "INSTALLED_BACKENDS['gateway']" in message.hint


def test_deploy_check_of_backends_is_registered_as_deploy_only():
    from django.core.checks.registry import registry

    assert check_backends_deploy in registry.get_checks(include_deployment_checks=True)
    assert check_backends_deploy not in registry.get_checks()


def test_backend_engine_that_is_not_a_backend():
    with override_settings(INSTALLED_BACKENDS={"gateway": {"ENGINE": "rapidsms.models.Backend"}}):
        [error] = check_backends()
    assert error.id == "rapidsms.E004"
    assert "BackendBase" in error.hint


def test_backend_with_an_unknown_option():
    backends = {"picky": {"ENGINE": PickyBackend, "TIMEOUT": 5, "COLOR": "red"}}
    with override_settings(INSTALLED_BACKENDS=backends):
        [error] = check_backends()
    assert error.id == "rapidsms.E005"
    assert "color" in error.msg and "timeout" in error.msg
    assert "INSTALLED_BACKENDS['picky']" in error.hint


def test_backend_whose_configure_rejects_a_value():
    with override_settings(INSTALLED_BACKENDS={"picky": {"ENGINE": PickyBackend, "TIMEOUT": 0}}):
        [error] = check_backends()
    assert error.id == "rapidsms.E005"
    assert "ValueError: timeout must be a positive number" in error.msg
    assert "INSTALLED_BACKENDS['picky']" in error.hint


def test_every_bad_backend_is_reported():
    backends = {"a": {}, "b": {"ENGINE": "nowhere.Backend"}, "c": {"ENGINE": PickyBackend}}
    with override_settings(INSTALLED_BACKENDS=backends):
        assert ids(check_backends()) == ["rapidsms.E003", "rapidsms.W004"]


def test_checks_run_with_manage_py_check():
    with override_settings(INSTALLED_BACKENDS={"gateway": {"url": "x"}}):
        with pytest.raises(SystemCheckError, match=r"rapidsms\.E003"):
            call_command("check", verbosity=0)


# app.py (E006 to E008) -----------------------------------------------------------


def configs(*names):
    return [AppConfig.create(f"{SAMPLES}.{name}") for name in names]


def test_apps_with_one_sms_app_or_none_pass():
    assert check_apps(configs("crashing")) == []
    assert check_apps([AppConfig.create("rapidsms.contrib.echo")]) == []


def test_app_module_without_an_app_class():
    [error] = check_apps(configs("no_app_class"))
    assert error.id == "rapidsms.E006"
    assert f"{SAMPLES}.no_app_class.app" in error.msg
    assert "class App(AppBase):" in error.hint


def test_app_module_with_two_app_classes():
    [error] = check_apps(configs("two_apps"))
    assert error.id == "rapidsms.E007"
    assert "FirstApp, SecondApp" in error.msg
    assert "Keep one AppBase subclass" in error.hint


@pytest.mark.parametrize(
    ("name", "cause"),
    [("broken_import", "ImportError: cannot import name 'Clinic'"),
     ("missing_import", "No module named 'a_package_that_is_not_installed'")],
)
def test_app_module_that_fails_to_import(name, cause):
    [error] = check_apps(configs(name))
    assert error.id == "rapidsms.E008"
    assert f"{SAMPLES}.{name}.app cannot be imported" in error.msg
    assert cause in error.msg
    assert "Fix the error in app.py" in error.hint


def test_apps_checked_from_installed_apps():
    apps = ["rapidsms", *(f"{SAMPLES}.{name}" for name in
                          ("crashing", "no_app_class", "two_apps", "broken_import"))]
    with override_settings(INSTALLED_APPS=apps):
        assert ids(check_apps()) == ["rapidsms.E006", "rapidsms.E007", "rapidsms.E008"]


def test_the_router_skips_the_apps_the_checks_report(caplog):
    names = [f"{SAMPLES}.{name}" for name in
             ("no_app_class", "two_apps", "broken_import", "missing_import", "crashing")]
    with caplog.at_level(logging.ERROR, logger="rapidsms"):
        router = BlockingRouter(apps=names, backends={})
    assert [app.name for app in router.apps] == ["crashing"]
    logged = [record.getMessage() for record in caplog.records]
    assert logged == [
        f"Failed to add app {SAMPLES}.broken_import to the router; it will not see messages.",
        f"Failed to add app {SAMPLES}.missing_import to the router; it will not see messages.",
    ]
