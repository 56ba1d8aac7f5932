"""The project's own tests, written for RapidSMS 2.x and run unchanged."""

from rapidsms.contrib.handlers.app import App as HandlersApp
from rapidsms.models import Backend
from rapidsms.tests.harness import RapidTest, TestScript

from .app import App
from .handlers.register import RegisterHandler


class ClinicAppTest(RapidTest):
    apps = [App]

    def test_status(self):
        connection = self.lookup_connections(["1112223333"])[0]
        self.receive("status", connection)
        self.assertEqual(self.outbound[0].text, "All clinics open.")

    def test_name(self):
        app = App(self.router)
        self.assertEqual(str(app), "clinic")
        self.assertEqual(repr(app), "<app: clinic>")

    def test_message_from_a_backend_created_on_the_fly(self):
        backend = self.create_backend({"name": "on-the-fly"})
        connection = self.create_connection({"backend": backend})
        message = self.receive("status", connection)
        self.assertTrue(message.handled)


class RegisterTest(TestScript):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = ["clinic.handlers.register.RegisterHandler"]

    def test_register(self):
        self.assertInteraction("""
            1112223333 > register Ann
            1112223333 < Thank you, Ann.
            1112223333 > what?
            1112223333 < Sorry, Clinic could not understand your message.
        """)


class HandlerUnitTest(RapidTest):
    def test_with_its_own_mock_backend(self):
        RegisterHandler._mock_backend = Backend.objects.create(name="modem")
        try:
            self.assertEqual(RegisterHandler.test("reg Bo"), ["Thank you, Bo."])
            self.assertTrue(
                Backend.objects.get(name="modem").connection_set.filter(identity="mock").exists()
            )
        finally:
            del RegisterHandler._mock_backend

    def test_not_handled_is_none(self):
        app = HandlersApp(self.router)
        message = self.create_incoming_message({"text": "nothing"})
        self.assertIsNone(app.handle(message))
