"""What RapidSMS 2.2's own tests do to the package still works: their names, fields and mocks.

Written the 2.x way: ``RapidTest`` and Django test cases, ``mock.patch`` on
the names 2.x tests patch, data posted with 2.x's field names.
"""

from __future__ import annotations

import json
from unittest import mock

import requests
from django.conf import settings
from django.http import HttpRequest
from django.test import TestCase, override_settings
from django.urls import reverse

from rapidsms.backends.database.models import BackendMessage
from rapidsms.backends.kannel import KannelBackend
from rapidsms.backends.vumi.outgoing import VumiBackend
from rapidsms.contrib.echo.handlers.echo import EchoHandler
from rapidsms.contrib.echo.handlers.ping import PingHandler
from rapidsms.contrib.handlers.utils import get_handlers
from rapidsms.contrib.httptester import storage
from rapidsms.contrib.registration import views as registration_views
from rapidsms.tests.harness import CreateDataMixin, LoginMixin, RapidTest


class HandlersDeprecationTest(TestCase):
    """2.x tests patch ``rapidsms.contrib.handlers.utils.warn`` to see the warning."""

    @override_settings(INSTALLED_APPS=["rapidsms", "rapidsms.contrib.echo"],
                       INSTALLED_HANDLERS=None, EXCLUDED_HANDLERS=[])
    def test_discovery_warns_through_the_patched_name(self):
        del settings.RAPIDSMS_HANDLERS
        with mock.patch("rapidsms.contrib.handlers.utils.warn") as warn:
            handlers = get_handlers()
        self.assertEqual(set(handlers), {EchoHandler, PingHandler})
        self.assertTrue(warn.called)
        self.assertIs(warn.call_args[0][1], DeprecationWarning)

    @override_settings(RAPIDSMS_HANDLERS=["rapidsms.contrib.echo.handlers.ping.PingHandler"])
    def test_rapidsms_handlers_does_not_warn(self):
        with mock.patch("rapidsms.contrib.handlers.utils.warn") as warn:
            handlers = get_handlers()
        self.assertEqual(handlers, [PingHandler])
        self.assertFalse(warn.called)


class MessageTesterTest(RapidTest):
    """The message tester's 2.x button names and the name its number comes from."""

    disable_phases = True
    phone = "12345"

    def setUp(self):
        self.url = reverse("httptester", kwargs={"identity": self.phone})
        self.login()

    def test_clear_btn_posted_as_a_field_clears_that_number(self):
        storage.store_and_queue(self.phone, "keep out")
        storage.store_and_queue("67890", "keep in")
        response = self.client.post(self.url, {"identity": self.phone, "clear-btn": True})
        self.assertEqual(302, response.status_code)
        left = set(BackendMessage.objects.values_list("identity", flat=True))
        self.assertNotIn(self.phone, left)
        self.assertIn("67890", left)

    def test_clear_all_btn_posted_as_a_field_clears_everything(self):
        storage.store_and_queue(self.phone, "one")
        storage.store_and_queue("67890", "two")
        response = self.client.post(self.url, {"identity": self.phone, "clear-all-btn": True})
        self.assertEqual(302, response.status_code)
        self.assertFalse(BackendMessage.objects.filter(name="message_tester").exists())

    @mock.patch("rapidsms.contrib.httptester.views.randint")
    def test_generate_identity_uses_randint(self, randint):
        randint.return_value = 424242
        response = self.client.get(reverse("httptester-index"))
        self.assertRedirects(response, reverse("httptester", kwargs={"identity": "424242"}))
        low, high = randint.call_args[0]
        self.assertEqual((len(str(low)), len(str(high))), (6, 6))


class MessagingFormTest(RapidTest):
    """2.x's MessageForm takes the ids its django-selectable widget posted as ``connections_1``."""

    def setUp(self):
        from rapidsms.contrib.messaging.forms import MessageForm

        self.form_class = MessageForm
        backend = self.create_backend({"name": "mockbackend"})
        self.connection = self.create_connection({"backend": backend})

    def make_form(self, data):
        with self.assertWarns(DeprecationWarning):
            return self.form_class(data)

    def test_connections_1_chooses_the_recipients_and_sends(self):
        form = self.make_form({"message": "hello", "connections_1": [self.connection.pk]})
        self.assertTrue(form.is_valid(), form.errors)
        message = form.send()
        self.assertEqual(message.connections, [self.connection])
        self.assertEqual([m.text for m in self.outbound], ["hello"])

    def test_no_recipients_is_an_error_of_connections(self):
        form = self.make_form({"message": "hello"})
        self.assertFalse(form.is_valid())
        self.assertEqual(list(form.errors), ["connections"])

    def test_connections_wins_over_connections_1(self):
        other = self.create_connection({"backend": self.connection.backend})
        form = self.make_form({"message": "hi", "connections": [other.pk],
                               "connections_1": [self.connection.pk]})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(list(form.cleaned_data["connections"]), [other])


class ContactViewTest(CreateDataMixin, LoginMixin, TestCase):
    """2.x tests call the contact view with a mock GET request and read render's context."""

    def setUp(self):
        self.contact = self.create_contact()
        self.connection = self.create_connection(data={"contact": self.contact})
        self.login()

    def context_of(self, **kwargs):
        request = mock.Mock(method="GET")  # its POST is a Mock too, and not empty
        request.user = self.user
        with mock.patch("rapidsms.contrib.registration.views.render") as render:
            registration_views.contact(request, **kwargs)
        return render.call_args[0][2]

    def test_get_of_an_existing_contact_shows_its_connections_and_one_blank(self):
        context = self.context_of(pk=self.contact.pk)
        self.assertEqual(self.contact.pk, context["contact_form"].instance.pk)
        forms = context["connection_formset"].forms
        self.assertIn(self.connection, [form.instance for form in forms])
        self.assertEqual(len(forms), 1 + self.contact.connection_set.count())
        self.assertFalse(context["contact_form"].is_bound)

    def test_get_without_a_contact_offers_one_blank_connection(self):
        context = self.context_of()
        self.assertEqual(1, len(context["connection_formset"].forms))
        self.assertFalse(context["connection_formset"].is_bound)

    def test_an_empty_post_is_a_form_with_errors(self):
        request = HttpRequest()
        request.method = "POST"
        request.user = self.user
        request._messages = mock.Mock()
        with mock.patch("rapidsms.contrib.registration.views.render") as render:
            registration_views.contact(request, pk=self.contact.pk)
        context = render.call_args[0][2]
        self.assertTrue(context["contact_form"].is_bound)
        # The formset's management form is missing: an error shown, nothing saved.
        self.assertTrue(context["connection_formset"].non_form_errors())
        self.assertEqual(render.call_args[1]["status"], 400)


class VumiPrepareRequestTest(CreateDataMixin, TestCase):
    """Vumi's prepare_request() returns 2.x's keyword arguments of requests.post()."""

    config = {"sendsms_url": "http://vumi.invalid/send/"}

    def test_body_is_a_json_string_in_data(self):
        backend = VumiBackend(None, "vumi", **self.config)
        kwargs = backend.prepare_request("m1", "hi", ["+15550001"], {"external_id": "V1"})
        self.assertEqual(kwargs["url"], self.config["sendsms_url"])
        self.assertEqual(kwargs["headers"], {"content-type": "application/json"})
        data = json.loads(kwargs["data"])
        self.assertEqual(data["to_addr"], ["+15550001"])
        self.assertEqual(data["content"], "hi")
        self.assertEqual(data["in_reply_to"], "V1")
        self.assertIn("m1", data["metadata"].values())
        self.assertNotIn("auth", kwargs)

    def test_credentials_are_in_auth(self):
        backend = VumiBackend(None, "vumi", sendsms_user="u", sendsms_pass="p", **self.config)
        kwargs = backend.prepare_request("m1", "hi", ["+15550001"], {})
        self.assertEqual(kwargs["auth"], ("u", "p"))


class MockedRequestsTest(CreateDataMixin, TestCase):
    """A test that mocks requests.post or requests.get, as 2.x tests did, catches the send."""

    def test_vumi_send_calls_the_mocked_post_with_prepare_request(self):
        backend = VumiBackend(None, "vumi", sendsms_url="http://vumi.invalid/send/")
        kwargs = backend.prepare_request("m1", "hi", ["+15550001"], {})
        with mock.patch("rapidsms.backends.vumi.outgoing.requests.post") as post, \
                mock.patch.object(requests.Session, "request") as session_request, \
                self.assertWarnsRegex(DeprecationWarning, r"requests\.post is a mock"):
            backend.send("m1", "hi", ["+15550001"], {})
        post.assert_called_once_with(**kwargs)
        session_request.assert_not_called()

    def test_kannel_send_calls_the_mocked_get(self):
        backend = KannelBackend(None, "kannel", sendsms_url="http://kannel.invalid/sendsms",
                                sendsms_params={"username": "u", "password": "p"})
        with mock.patch("rapidsms.backends.kannel.outgoing.requests.get",
                        autospec=True) as get, \
                self.assertWarns(DeprecationWarning):
            backend.send("m2", "hello", ["+15550002"], {})
        self.assertEqual(get.call_count, 1)
        sent = get.call_args.kwargs
        self.assertEqual(sent["url"], "http://kannel.invalid/sendsms")
        self.assertEqual(sent["params"]["to"], "+15550002")
        self.assertNotIn("method", sent)

    def test_a_function_wrapping_requests_post_is_not_a_mock(self):
        # An APM agent's wrapper, say: the backend keeps its session.
        called = []

        def wrapper(*args, **kwargs):
            called.append(kwargs)
            raise AssertionError("the session should have been used")

        answer = requests.Response()
        answer.status_code = 200
        answer._content = b"[]"
        backend = VumiBackend(None, "vumi", sendsms_url="http://vumi.invalid/send/")
        with mock.patch.object(requests, "post", wrapper), \
                mock.patch.object(requests.Session, "request", return_value=answer) as request:
            backend.send("m3", "hi", ["+15550003"], {})
        self.assertEqual(called, [])
        self.assertEqual(request.call_count, 1)
