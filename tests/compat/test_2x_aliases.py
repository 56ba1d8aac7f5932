"""RapidSMS 2.x's deprecated modules and names do what they did, and say what replaces them.

Written as a RapidSMS 2.x project's tests would be: ``RapidTest`` and
``TestScript`` cases, connections from ``lookup_connections``.
"""

from __future__ import annotations

import importlib
import re
import sys
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from django.core.paginator import Page
from django.test import RequestFactory, SimpleTestCase, override_settings
from django.urls import resolve, reverse

from rapidsms.apps.base import AppBase
from rapidsms.backends.database.models import BackendMessage
from rapidsms.contrib.default.app import DefaultApp
from rapidsms.tests.harness import EchoApp, RapidTest, TestScript
from tests.compat.samples import one_handler, two_handlers


def import_alias(name: str) -> ModuleType:
    """Import deprecated module ``name`` afresh; fail unless it warns, naming itself."""
    sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match=re.escape(name)):
        return importlib.import_module(name)


def lookup(module_name: str, name: str) -> Any:
    """Return deprecated ``name`` of ``module_name``; fail unless looking it up warns."""
    module = importlib.import_module(module_name)
    with pytest.warns(DeprecationWarning, match=re.escape(name)):
        return getattr(module, name)


# rapidsms.utils.modules ------------------------------------------------------


class ModulesTest(SimpleTestCase):
    def setUp(self) -> None:
        self.modules = import_alias("rapidsms.utils.modules")

    def test_try_import_returns_a_module_that_exists(self) -> None:
        import csv

        self.assertIs(self.modules.try_import("csv"), csv)

    def test_try_import_returns_none_for_a_module_that_does_not_exist(self) -> None:
        self.assertIsNone(self.modules.try_import("spam.spam.spam"))
        self.assertIsNone(self.modules.try_import("tests.compat.samples.no_such_module"))

    def test_try_import_lets_an_import_error_inside_the_module_through(self) -> None:
        with self.assertRaises(ImportError):
            self.modules.try_import("tests.compat.samples.broken_import")

    def test_import_class_returns_the_class(self) -> None:
        from rapidsms.router.blocking import BlockingRouter

        cls = self.modules.import_class("rapidsms.router.blocking.BlockingRouter")
        self.assertIs(cls, BlockingRouter)
        self.assertIs(self.modules.import_class(
            "rapidsms.contrib.default.app.DefaultApp", AppBase), DefaultApp)

    def test_import_class_raises_import_error_for_what_is_not_a_class_it_can_use(self) -> None:
        for path, base in [
            ("rapidsms.router.blocking.NoSuchRouter", None),
            ("no_such_package.Thing", None),
            ("notapath", None),
            ("rapidsms.router.api.send", None),
            ("rapidsms.router.blocking.BlockingRouter", AppBase),
        ]:
            with self.subTest(path=path), self.assertRaises(ImportError):
                self.modules.import_class(path, base)

    def test_get_class_returns_the_one_class_a_module_defines(self) -> None:
        from rapidsms.contrib.handlers import BaseHandler

        self.assertIs(self.modules.get_class(one_handler), one_handler.ShoutHandler)
        self.assertIs(self.modules.get_class(one_handler, BaseHandler), one_handler.ShoutHandler)

    def test_get_class_refuses_several_classes_or_none(self) -> None:
        from rapidsms.contrib.handlers import BaseHandler

        with self.assertRaisesRegex(AttributeError, "FirstHandler, NotAHandler, SecondHandler"):
            self.modules.get_class(two_handlers)
        with self.assertRaisesRegex(AttributeError, "subclasses of BaseHandler"):
            self.modules.get_class(two_handlers, BaseHandler)
        with self.assertRaisesRegex(AttributeError, "contains no subclasses of AppBase"):
            self.modules.get_class(one_handler, AppBase)

    def test_get_classes_leaves_out_imported_classes(self) -> None:
        from rapidsms.contrib.handlers import BaseHandler

        self.assertEqual(
            self.modules.get_classes(two_handlers, BaseHandler),
            [two_handlers.FirstHandler, two_handlers.SecondHandler],
        )

    def test_find_python_files_lists_the_modules_of_a_directory(self) -> None:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as directory:
            for name in ("b.py", "a.py", "_private.py", ".hidden.py", "notes.txt"):
                Path(directory, name).touch()
            self.assertEqual(self.modules.find_python_files(directory), ["a", "b"])
        self.assertEqual(self.modules.find_python_files("doesnt-exist"), [])

    def test_get_package_path(self) -> None:
        import encodings

        self.assertEqual(self.modules.get_package_path("encodings"), encodings.__path__[0])
        with self.assertRaisesRegex(AttributeError, "'csv' is not a package"):
            self.modules.get_package_path("csv")

    def test_import_module_is_importlibs(self) -> None:
        self.assertIs(self.modules.import_module, importlib.import_module)


# rapidsms.utils.pagination and web_message --------------------------------------


class PaginatedTest(SimpleTestCase):
    def setUp(self) -> None:
        self.paginated = import_alias("rapidsms.utils.pagination").paginated
        self.rows = list(range(1, 31))

    def page(self, query: str = "", **kwargs: Any) -> Page:
        return self.paginated(RequestFactory().get("/log/" + query), self.rows, **kwargs)

    def test_the_page_number_comes_from_the_request(self) -> None:
        page = self.page("?page=2", per_page=10)
        self.assertEqual(page.number, 2)
        self.assertEqual(list(page.object_list), list(range(11, 21)))
        self.assertEqual(page.prefix, "")
        self.assertEqual(page.request.path, "/log/")

    @override_settings(PAGINATOR_OBJECTS_PER_PAGE=7)
    def test_the_page_size_defaults_to_the_setting_and_the_request_overrides_it(self) -> None:
        self.assertEqual(len(self.page().object_list), 7)
        self.assertEqual(len(self.page("?per-page=4").object_list), 4)

    def test_a_prefix_names_the_parameters(self) -> None:
        page = self.page("?users-page=3&page=1", per_page=10, prefix="users")
        self.assertEqual(page.number, 3)
        self.assertEqual(page.prefix, "users-")

    def test_a_negative_default_page_counts_from_the_end(self) -> None:
        self.assertEqual(self.page(per_page=10, default_page=-1).number, 3)
        self.assertEqual(self.page(per_page=10, default_page=-2).number, 2)

    def test_a_wrapper_is_applied_to_the_objects_of_the_page(self) -> None:
        page = self.page(per_page=3, wrapper=str)
        self.assertEqual(page.object_list, ["1", "2", "3"])
        self.assertEqual(list(page.raw_object_list), [1, 2, 3])

    def test_an_invalid_page_or_page_size_raises_value_error(self) -> None:
        for query in ("?page=9", "?page=x", "?per-page=many"):
            with self.subTest(query=query), self.assertRaises(ValueError):
                self.page(query, per_page=10)


class WebMessageTest(SimpleTestCase):
    def test_web_message_renders_the_message_and_its_link(self) -> None:
        web_message = import_alias("rapidsms.utils.web_message").web_message
        response = web_message(RequestFactory().get("/"), "Contact saved.", link="/contacts/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<p>Contact saved.</p>", html)
        self.assertIn('href="/contacts/"', html)
        self.assertIn("rapidsms/css/rapidsms.css", html)


# Settings ----------------------------------------------------------------------


class SettingsModulesTest(SimpleTestCase):
    def test_the_settings_modules_hold_the_defaults(self) -> None:
        core = import_alias("rapidsms.settings")
        self.assertEqual(core.PROJECT_NAME, "RapidSMS")
        self.assertEqual(core.PAGINATOR_OBJECTS_PER_PAGE, 25)
        self.assertEqual((core.PAGINATOR_BORDER_LINKS, core.PAGINATOR_ADJACENT_LINKS), (2, 2))
        default = import_alias("rapidsms.contrib.default.settings")
        self.assertEqual(
            default.DEFAULT_RESPONSE, "Sorry, %(project_name)s could not understand your message."
        )
        handlers = import_alias("rapidsms.contrib.handlers.settings")
        self.assertIsNone(handlers.INSTALLED_HANDLERS)
        self.assertEqual(handlers.EXCLUDED_HANDLERS, [])
        self.assertEqual(handlers.RAPIDSMS_HANDLERS_EXCLUDE_APPS, [])

    def test_rapidsms_conf_settings_falls_back_to_the_defaults(self) -> None:
        from rapidsms.conf import settings

        self.assertEqual(settings.PROJECT_NAME, "RapidSMS")
        self.assertEqual(settings.PAGINATOR_OBJECTS_PER_PAGE, 25)
        with override_settings(PROJECT_NAME="Clinic", PAGINATOR_OBJECTS_PER_PAGE=12):
            self.assertEqual(settings.PROJECT_NAME, "Clinic")
            self.assertEqual(settings.PAGINATOR_OBJECTS_PER_PAGE, 12)
        self.assertEqual(settings.LANGUAGE_CODE, "en")
        with self.assertRaises(AttributeError):
            settings.NO_SUCH_SETTING  # noqa: B018

    def test_a_list_default_cannot_be_changed_through_rapidsms_conf_settings(self) -> None:
        from rapidsms.conf import settings

        settings.EXCLUDED_HANDLERS.append("myapp.handlers")
        self.assertEqual(settings.EXCLUDED_HANDLERS, [])


# The bundled apps --------------------------------------------------------------


class SendMessageTest(RapidTest):
    def test_send_message_sends_through_the_router(self) -> None:
        send_message = import_alias("rapidsms.contrib.messaging.utils").send_message
        connection = self.lookup_connections(["1112223333"])[0]
        msg = send_message(connection, "The clinic opens at 9.")
        self.assertEqual(msg.text, "The clinic opens at 9.")
        self.assertEqual(len(self.sent_messages), 1)
        self.assertEqual(self.sent_messages[0]["text"], "The clinic opens at 9.")
        self.assertEqual(self.sent_messages[0]["identities"], ["1112223333"])


class MessagingFormTest(RapidTest):
    def test_the_2x_form_sends_one_message_to_the_connections(self) -> None:
        from rapidsms.contrib.messaging.forms import MessageForm

        connections = self.lookup_connections(["1112223333", "1112224444"])
        data = {"message": "Meeting at noon", "connections": [conn.pk for conn in connections]}
        with pytest.warns(DeprecationWarning, match="MessagingForm"):
            form = MessageForm(data)
        self.assertTrue(form.is_valid(), form.errors)
        msg = form.send()
        self.assertEqual(set(msg.connections), set(connections))
        self.assertEqual(sorted(self.sent_messages[0]["identities"]),
                         ["1112223333", "1112224444"])

    def test_the_2x_view_name_is_the_send_view(self) -> None:
        from rapidsms.contrib.messaging.views import send_message

        self.assertIs(lookup("rapidsms.contrib.messaging.views", "send"), send_message)


class DefaultAppTest(RapidTest):
    apps = [DefaultApp]

    def test_app_is_the_default_app_and_still_the_only_one_found(self) -> None:
        self.assertIs(lookup("rapidsms.contrib.default.app", "App"), DefaultApp)
        self.assertIs(AppBase.find("rapidsms.contrib.default"), DefaultApp)

    def test_a_2x_subclass_of_app_answers_unhandled_messages(self) -> None:
        base = lookup("rapidsms.contrib.default.app", "App")

        class ClinicDefault(base):
            pass

        app = ClinicDefault(self.router)
        msg = self.receive("what?", self.lookup_connections(["1112223333"])[0])
        app.default(msg)
        self.assertIn("could not understand your message", msg.responses[-1]["text"])


class HttptesterStorageTest(RapidTest):
    def test_the_2x_functions_store_list_and_clear_the_testers_messages(self) -> None:
        from rapidsms.contrib.httptester import storage

        with pytest.warns(DeprecationWarning, match="store_and_queue"):
            storage.store_message("I", "5551234", "hello")
        with pytest.warns(DeprecationWarning, match="tester_messages"):
            rows = list(storage.get_messages())
        self.assertEqual([(row.direction, row.identity, row.text) for row in rows],
                         [("I", "5551234", "hello")])
        with pytest.warns(DeprecationWarning, match="clear_messages"):
            storage.clear_all_messages()
        self.assertFalse(BackendMessage.objects.filter(name="message_tester").exists())

    def test_the_2x_table_shows_each_message_with_its_direction(self) -> None:
        tables = import_alias("rapidsms.contrib.httptester.tables")
        BackendMessage.objects.create(name="message_tester", direction="I", message_id="1",
                                      identity="5551234", text="ping")
        BackendMessage.objects.create(name="message_tester", direction="O", message_id="2",
                                      identity="5551234", text="pong")
        table = tables.MessageTable(BackendMessage.objects.filter(name="message_tester"))
        cells = [(row.get_cell("identity"), row.get_cell("text")) for row in table.rows]
        self.assertEqual(cells, [("5551234«", "pong"), ("5551234»", "ping")])


class RenamedNamesTest(SimpleTestCase):
    def test_registration_forms(self) -> None:
        from django import forms

        from rapidsms.contrib.registration import forms as registration

        module = "rapidsms.contrib.registration.forms"
        self.assertIs(lookup(module, "BulkRegistrationForm"), registration.BulkContactsForm)
        self.assertIs(lookup(module, "ConnectionFormSetBase"), registration.BaseConnectionFormSet)
        self.assertIs(lookup(module, "SmallFileField"), forms.FileField)
        self.assertIs(lookup("rapidsms.contrib.httptester.forms", "SmallFileField"),
                      forms.FileField)

    def test_the_message_stores_choices(self) -> None:
        module = "rapidsms.router.db.models"
        directions = [value for value, _label in lookup(module, "DIRECTION_CHOICES")]
        self.assertEqual(directions, ["I", "O"])
        statuses = [value for value, _label in lookup(module, "STATUS_CHOICES")]
        self.assertIn("delivered", statuses)

    def test_an_unknown_name_is_still_an_attribute_error(self) -> None:
        from rapidsms.contrib.default import app

        with self.assertRaises(AttributeError):
            app.NoSuchName  # noqa: B018


# The durable router ------------------------------------------------------------


class SendTransmissionsTest(RapidTest):
    def test_a_send_queued_by_2x_is_sent_through_the_backend_the_row_names(self) -> None:
        from rapidsms.router.db.tasks import send_transmissions

        backend = self.create_backend({"name": "kannel-2x"})
        router = mock.Mock()
        with mock.patch("rapidsms.router.db.router.store_router", return_value=router):
            send_transmissions(backend_id=backend.pk, message_id=7, transmission_ids=[1, 2])
            send_transmissions(backend_id=backend.pk + 1000, message_id=8, transmission_ids=[3])
        router.send_stored.assert_called_once_with("kannel-2x", 7, [1, 2])
        self.assertEqual(send_transmissions.name, "rapidsms.router.db.tasks.send_transmissions")


# The test harness --------------------------------------------------------------


class ScriptStepsTest(TestScript):
    apps = [EchoApp]

    def test_parse_script_and_run_parsed_script(self) -> None:
        with pytest.warns(DeprecationWarning, match="parse_transcript"):
            cmds = self.parseScript("""
                1112223333 > hello
                1112223333@201301011200 < 1112223333: hello
            """)
        self.assertEqual([(num, way, text) for num, _date, way, text in cmds],
                         [("1112223333", ">", "hello"), ("1112223333", "<", "1112223333: hello")])
        self.assertEqual(cmds[1][1].year, 2013)
        with pytest.warns(DeprecationWarning, match="assertInteraction"):
            self.runParsedScript(cmds)

    def test_send_message_and_receive_all_messages(self) -> None:
        with pytest.warns(DeprecationWarning, match="receive"):
            self.sendMessage("1112223333", "hi")
        with pytest.warns(DeprecationWarning, match="outbound"):
            messages = self.receiveAllMessages()
        self.assertEqual([msg.text for msg in messages], ["1112223333: hi"])
        self.assertEqual(self.outbound, [])


class HarnessNamesTest(SimpleTestCase):
    def test_djangos_test_cases_and_unicode_chars(self) -> None:
        from django import test

        from rapidsms.tests import harness

        self.assertIs(harness.TestCase, test.TestCase)
        self.assertIs(harness.TransactionTestCase, test.TransactionTestCase)
        chars = lookup("rapidsms.tests.harness.base", "UNICODE_CHARS")
        self.assertEqual((chars[0], len(chars)), ("\x01", 0xD7FE))


# Views and URLs ----------------------------------------------------------------


@override_settings(ROOT_URLCONF="tests.compat.urls2x")
class LoginLogoutTest(RapidTest):
    def test_the_2x_views_serve_the_2x_url_names(self) -> None:
        from rapidsms.views import RapidSMSLoginView, RapidSMSLogoutView

        self.assertIs(resolve(reverse("rapidsms-login")).func.view_class, RapidSMSLoginView)
        self.assertIs(resolve(reverse("rapidsms-logout")).func.view_class, RapidSMSLogoutView)
        response = self.client.get(reverse("rapidsms-login"))
        self.assertTemplateUsed(response, "rapidsms/login.html")

    def test_logging_out_renders_the_2x_template_name_first(self) -> None:
        self.login()
        response = self.client.post(reverse("rapidsms-logout"))
        self.assertEqual(response.status_code, 200)
        self.assertTemplateUsed(response, "rapidsms/loggedout.html")
        self.assertContains(response, "Log in again")

    def test_the_2x_vumi_url(self) -> None:
        from rapidsms.backends.vumi.views import VumiBackendView

        match = resolve(reverse("vumi-backend"))
        self.assertIs(match.func.view_class, VumiBackendView)
        self.assertEqual(match.func.view_initkwargs, {"backend_name": "vumi-backend"})
