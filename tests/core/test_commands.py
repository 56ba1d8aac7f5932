"""Management commands of the core."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from rapidsms.errors import MessageSendingError
from rapidsms.models import Backend

DB = {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}


@pytest.mark.django_db
@override_settings(INSTALLED_BACKENDS={"alpha": DB, "beta": DB})
def test_update_backends_creates_missing_rows_once():
    Backend.objects.create(name="alpha")
    out = StringIO()
    call_command("update_backends", stdout=out)
    assert out.getvalue() == "Added persistent backend beta\n"
    assert set(Backend.objects.values_list("name", flat=True)) >= {"alpha", "beta"}
    out = StringIO()
    call_command("update_backends", stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
@override_settings(INSTALLED_BACKENDS=["alpha"])
def test_update_backends_refuses_a_malformed_setting():
    with pytest.raises(CommandError, match="must be a dict"):
        call_command("update_backends")


def test_sending_error_reads_as_one_sentence():
    error = MessageSendingError(
        "Router is not configured with the 'x' backend; add it to INSTALLED_BACKENDS.",
        failed_identities=["1", "2"],
        backend="x",
    )
    assert str(error) == (
        "Router is not configured with the 'x' backend; add it to INSTALLED_BACKENDS; "
        "failed identities: 1, 2."
    )
