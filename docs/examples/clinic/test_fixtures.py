"""Tests of the clinic app with the pytest fixtures (needs pytest-django)."""

from rapidsms.models import Connection
from rapidsms.router import receive

from .app import HOURS, JOIN_HELP


def test_hours(rapidsms_transcript):
    rapidsms_transcript(f"""
        +15550001 > HOURS
        +15550001 < {HOURS}
    """)


def test_join_replies_once_and_stores_the_name(rapidsms_connection, rapidsms_outbox):
    receive("JOIN Amina Diallo", rapidsms_connection("+15550001"))
    assert [(sent.identities, sent.text) for sent in rapidsms_outbox] == [
        (["+15550001"], "Thank you for joining, Amina Diallo.")
    ]
    assert Connection.objects.get(identity="+15550001").contact.name == "Amina Diallo"


def test_join_without_a_name(rapidsms_transcript):
    rapidsms_transcript(f"""
        +15550001 > JOIN
        +15550001 < {JOIN_HELP}
    """)
