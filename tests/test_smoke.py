"""The path a message takes end to end, through the real apps and a real table."""

from rapidsms.backends.database.models import BackendMessage
from rapidsms.router import lookup_connections, receive


def test_echo_reply_is_stored_by_database_backend(db):
    connection = lookup_connections("message_tester", ["+15550001"])[0]
    receive("echo hello", connection)
    assert list(BackendMessage.objects.values_list("identity", "text")) == [("+15550001", "hello")]
