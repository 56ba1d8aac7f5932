"""The contacts page's forms, and its bulk-import file: one ``name, backend, identity`` per line.

The import is all or nothing: :func:`parse_contacts_csv` checks every line
and reports each bad one with its number, and :func:`import_contacts`
creates the contacts of a file without errors in one transaction. A page
uses them like this::

    rows, errors = parse_contacts_csv(request.FILES["bulk"])
    if errors:
        ...  # show the errors; nothing was imported
    else:
        contacts = import_contacts(rows)

:class:`ContactForm`, :data:`ConnectionFormSet` and :class:`BulkContactsForm`
are the forms of the contacts page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from django import forms
from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapidsms.conf import get_setting
from rapidsms.deprecation import deprecated_attributes
from rapidsms.models import Backend, Connection, Contact

#: The largest file :func:`parse_contacts_csv` reads by default (2 MiB, about 50,000 contacts).
MAX_CSV_BYTES = 2 * 1024 * 1024

# Identities per query: well under every database's limit on query parameters.
_QUERY_CHUNK = 500

_HEADERS = ({"name", "backend", "identity"}, {"name", "backend_name", "identity"})


@dataclass(frozen=True)
class ContactRow:
    """A valid line of the file: the contact to create and its connection."""

    line: int
    name: str
    backend_name: str
    identity: str


@dataclass(frozen=True)
class LineError:
    """A problem with the file: ``line`` is its 1-based line number, 0 for the whole file."""

    line: int
    message: str

    def __str__(self) -> str:
        if self.line:
            return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


class ContactImportError(Exception):
    """Raise when rows that were valid when read can no longer be imported."""


def parse_contacts_csv(
    file: IO[bytes] | IO[str] | bytes | str, *, max_bytes: int = MAX_CSV_BYTES
) -> tuple[list[ContactRow], list[LineError]]:
    """Read a contacts file; return ``(rows, errors)``.

    ``file`` is an uploaded file, any binary or text file object, or the
    content as ``bytes`` or ``str``. Bytes must be UTF-8 (a byte-order mark
    is allowed). Each line is ``name, backend, identity``, with CSV quoting
    for names that contain commas; blank lines and a first line of column
    titles are skipped. A line is wrong when it does not have three values,
    when its backend or identity is missing or too long, when the backend is
    neither in the database nor in ``INSTALLED_BACKENDS``, when the identity
    appears twice in the file, or when it already belongs to a contact.

    When ``errors`` is not empty, ``rows`` is empty: the file must be fixed
    and sent again. Reads the database, writes nothing.
    """
    text, error = _read_text(file, max_bytes)
    if error is not None:
        return [], [error]
    rows, errors = _parse_lines(text or "")
    if not errors and not rows:
        return [], [LineError(0, _("The file has no contacts in it."))]
    errors = sorted(errors + _check_against_database(rows), key=lambda error: error.line)
    return ([] if errors else rows), errors


@transaction.atomic
def import_contacts(rows: list[ContactRow]) -> list[Contact]:
    """Create a contact and its connection for each row, all in one transaction.

    Backends named in ``INSTALLED_BACKENDS`` but not yet in the database
    are created. A connection that exists without a contact is given the
    new contact. Raise :class:`ContactImportError`, importing nothing, when
    an identity was given to a contact since the file was read. Return the
    new contacts, in the order of ``rows``.
    """
    backends = {}
    for backend_name in dict.fromkeys(row.backend_name for row in rows):
        backends[backend_name], _created = Backend.objects.get_or_create(name=backend_name)
    existing = {
        (conn.backend_id, conn.identity): conn
        for conn in _connections_with_identities(
            {row.identity for row in rows}, Connection.objects.select_for_update(of=("self",))
        )
    }
    for row in rows:
        conn = existing.get((backends[row.backend_name].pk, row.identity))
        if conn is not None and conn.contact_id is not None:
            raise ContactImportError(str(LineError(row.line, _taken_message(row, conn.contact))))
    contacts = _create_contacts([Contact(name=row.name) for row in rows])
    now = timezone.now()
    new_connections, linked = [], []
    for row, contact in zip(rows, contacts, strict=True):
        backend = backends[row.backend_name]
        conn = existing.get((backend.pk, row.identity))
        if conn is None:
            new_connections.append(
                Connection(backend=backend, identity=row.identity, contact=contact)
            )
        else:
            conn.contact, conn.modified_on = contact, now
            linked.append(conn)
    Connection.objects.bulk_create(new_connections)
    Connection.objects.bulk_update(linked, ["contact", "modified_on"])
    return contacts


def _create_contacts(contacts: list[Contact]) -> list[Contact]:
    """Save ``contacts``, in one statement where the database returns the new keys."""
    if connections[router.db_for_write(Contact)].features.can_return_rows_from_bulk_insert:
        return Contact.objects.bulk_create(contacts)
    for contact in contacts:
        contact.save()
    return contacts


def _connections_with_identities(identities: set[str], queryset: Any = None) -> list[Connection]:
    """Return the connections whose identity is in ``identities``, in bounded queries."""
    queryset = Connection.objects.all() if queryset is None else queryset
    ordered = sorted(identities)
    found: list[Connection] = []
    for start in range(0, len(ordered), _QUERY_CHUNK):
        chunk = ordered[start : start + _QUERY_CHUNK]
        found.extend(queryset.filter(identity__in=chunk).select_related("backend", "contact"))
    return found


def _read_text(file: Any, max_bytes: int) -> tuple[str | None, LineError | None]:
    if isinstance(file, bytes | bytearray | str):
        data: bytes | str = file
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > max_bytes:
        return None, LineError(
            0,
            _("The file is too large: at most %(size)s.") % {"size": _format_size(max_bytes)},
        )
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return None, LineError(
                line, _("the text is not UTF-8. Save the file as UTF-8 (CSV UTF-8) and try again.")
            )
    if not text.strip():
        return None, LineError(0, _("The file is empty."))
    return text, None


def _parse_lines(text: str) -> tuple[list[ContactRow], list[LineError]]:
    rows: list[ContactRow] = []
    errors: list[LineError] = []
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    seen: dict[tuple[str, str], int] = {}
    line = 1
    first_values = True
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            message = _("the line cannot be read as CSV (%(error)s).") % {"error": exc}
            errors.append(LineError(reader.line_num, message))
            break
        start, line = line, reader.line_num + 1
        values = [value.strip() for value in values]
        if not any(values):
            continue
        if first_values and {value.casefold() for value in values} in _HEADERS:
            first_values = False
            continue
        first_values = False
        problem = _check_values(values)
        if problem:
            errors.append(LineError(start, problem))
            continue
        name, backend_name, identity = values
        key = (backend_name, identity)
        if key in seen:
            errors.append(
                LineError(
                    start,
                    _("%(identity)s on %(backend)s is already on line %(line)d.")
                    % {"identity": identity, "backend": backend_name, "line": seen[key]},
                )
            )
            continue
        seen[key] = start
        rows.append(ContactRow(start, " ".join(name.split()), backend_name, identity))
    return rows, errors


def _check_values(values: list[str]) -> str | None:
    if len(values) != 3:
        return _("expected 3 values (name, backend, identity), found %(count)d.") % {
            "count": len(values)
        }
    name, backend_name, identity = values
    if not backend_name:
        return _("the backend name is missing.")
    if not identity:
        return _("the identity is missing.")
    too_long = [
        (name, Contact, "name", _("the name is longer than %(limit)d characters.")),
        (backend_name, Backend, "name", _("the backend name is longer than %(limit)d characters.")),
        (identity, Connection, "identity", _("the identity is longer than %(limit)d characters.")),
    ]
    for value, model, field, message in too_long:
        limit = model._meta.get_field(field).max_length
        if limit and len(value) > limit:
            return message % {"limit": limit}
    return None


def _check_against_database(rows: list[ContactRow]) -> list[LineError]:
    configured = get_setting("INSTALLED_BACKENDS") or {}
    known = set(Backend.objects.values_list("name", flat=True)) | set(configured)
    errors = []
    for row in rows:
        if row.backend_name not in known:
            errors.append(
                LineError(
                    row.line,
                    _("unknown backend %(backend)s; known backends: %(known)s.")
                    % {"backend": row.backend_name, "known": ", ".join(sorted(known)) or "-"},
                )
            )
    taken = _connections_with_identities(
        {row.identity for row in rows}, Connection.objects.filter(contact__isnull=False)
    )
    owners = {(conn.backend.name, conn.identity): conn.contact for conn in taken}
    for row in rows:
        owner = owners.get((row.backend_name, row.identity))
        if owner is not None:
            errors.append(LineError(row.line, _taken_message(row, owner)))
    return errors


def _taken_message(row: ContactRow, contact: Any) -> str:
    return _("%(identity)s on %(backend)s already belongs to %(contact)s.") % {
        "identity": row.identity,
        "backend": row.backend_name,
        "contact": contact,
    }


def _format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} bytes"


# The contacts page's forms ---------------------------------------------------


def _language_choices() -> list[tuple[str, str]]:
    return [("", _("The project's language"))] + [
        (code, str(name)) for code, name in settings.LANGUAGES
    ]


class ContactForm(forms.ModelForm):
    """A contact's name and language."""

    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=())

    class Meta:
        model = Contact
        fields = ["name", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = _language_choices()
        current = self.instance.language
        if current and current not in dict(choices):
            choices.append((current, current))  # keep a value set by other means
        self.fields["language"].choices = choices


class ConnectionForm(forms.ModelForm):
    """A backend and identity of a contact.

    An identity that exists without a contact (someone who wrote in before
    being added) is given to this contact instead of being refused; one
    that belongs to another contact is refused, naming that contact.
    """

    class Meta:
        model = Connection
        fields = ["backend", "identity"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        backend, identity = cleaned.get("backend"), cleaned.get("identity")
        if self.instance.pk is None and backend is not None and identity:
            existing = (
                Connection.objects.filter(backend=backend, identity=identity)
                .select_related("contact")
                .first()
            )
            if existing is not None and existing.contact_id is None:
                self.instance = existing
            elif existing is not None:
                raise forms.ValidationError(
                    _("%(identity)s on %(backend)s already belongs to %(contact)s.")
                    % {"identity": identity, "backend": backend, "contact": existing.contact}
                )
        return cleaned


class BaseConnectionFormSet(forms.BaseInlineFormSet):
    """Removing a connection takes it from the contact; the number and its history stay."""

    def delete_existing(self, obj: Connection, commit: bool = True) -> None:
        obj.contact = None
        if commit:
            obj.save(update_fields=["contact", "modified_on"])


#: The connections of a contact, edited on the contact's page.
ConnectionFormSet = forms.inlineformset_factory(
    Contact,
    Connection,
    form=ConnectionForm,
    formset=BaseConnectionFormSet,
    fields=["backend", "identity"],
    extra=1,
    can_delete=True,
)


class BulkContactsForm(forms.Form):
    """A CSV file of contacts, read with :func:`parse_contacts_csv`."""

    bulk = forms.FileField(
        label=gettext_lazy("Contacts file (CSV)"),
        help_text=gettext_lazy(
            "One contact per line: name, backend, identity. UTF-8, at most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def clean_bulk(self) -> list[ContactRow]:
        """Return the rows of the file; raise one error per bad line, with its number."""
        upload = self.cleaned_data["bulk"]
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(size)s.")
                % {"size": _format_size(MAX_CSV_BYTES)}
            )
        rows, errors = parse_contacts_csv(upload)
        if errors:
            raise forms.ValidationError([str(error) for error in errors])
        return rows


# RapidSMS 2.x's names. SmallFileField set a width on the file input, which
# browsers ignore.
__getattr__ = deprecated_attributes(
    __name__,
    {
        "BulkRegistrationForm": (f"{__name__}.BulkContactsForm", lambda: BulkContactsForm),
        "ConnectionFormSetBase": (
            f"{__name__}.BaseConnectionFormSet", lambda: BaseConnectionFormSet
        ),
        "SmallFileField": ("django.forms.FileField", lambda: forms.FileField),
    },
)
