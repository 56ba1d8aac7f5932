"""The add-on's own tests, as written for RapidSMS 2.x (Django's test runner)."""

from django.test import TestCase
from django.urls import reverse  # noqa: F401  (2.x tests import it)

from rapidsms.router import get_router
from rapidsms.tests.harness import RapidTest

from .outgoing import AddonBackend


class AddonBackendTest(TestCase):
    def test_required_fields(self):
        """configure() without its URL raises TypeError."""
        self.assertRaises(TypeError, AddonBackend, None, "addon")

    def test_configured(self):
        backend = AddonBackend(None, "addon", sendsms_url="http://127.0.0.1:9/send")
        self.assertEqual(backend.sendsms_url, "http://127.0.0.1:9/send")


class AddonViewTest(RapidTest):
    apps = ["clinic"]

    def test_inbound_message_is_routed(self):
        data = {"From": "+15550102070", "Body": "hello", "MessageSid": "SM1"}
        response = self.client.post("/backend/addon/", data)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(len(self.inbound), 1)
        message = self.inbound[0]
        self.assertEqual(message.text, "hello")
        self.assertEqual(message.fields["external_id"], "SM1")
        self.assertEqual(message.connections[0].backend.name, "addon")

    def test_a_retry_is_answered_ok(self):
        data = {"From": "+15550102070", "Body": "hello", "MessageSid": "SM2"}
        for _ in range(2):
            response = self.client.post("/backend/addon/", data)
            self.assertEqual(response.status_code, 200, response.content)

    def test_invalid_form_is_a_bad_request(self):
        response = self.client.post("/backend/addon/", {"From": "+15550102070"})
        self.assertEqual(response.status_code, 400)

    def test_generic_view_for_a_backend_named_only_in_the_urlconf(self):
        response = self.client.get("/backend/kiosk/",
                                   {"identity": "+15550102071", "text": "hello"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(self.inbound[0].connections[0].backend.name, "kiosk")
        # The harness's router has no "kiosk" backend; the reply fails, the message did not.
        self.assertNotIn("kiosk", get_router().backends)
