"""The message log page, and its CSV export of the rows the filters select."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from rapidsms.contrib.messagelog.forms import MessageFilterForm
from rapidsms.contrib.messagelog.models import Message
from rapidsms.contrib.messagelog.tables import MessageTable
from rapidsms.views import (
    configure_table,
    live_response,
    live_version,
    vary_on_live,
    wants_live_update,
)

#: Rows the export reads from the database at a time.
EXPORT_CHUNK = 2000
CSV_HEADER = ["date", "direction", "contact", "identity", "backend", "text", "status", "error"]
#: The parts of the page its script redraws, and their templates.
LIVE_REGIONS = {"log-live": "messagelog/_table.html"}

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Spreadsheets skip leading blanks and read full-width and small signs
# (＝, ﹦, ...) as their ASCII twins, so a formula may hide behind or in them;
# NFKC folds the twins, and the minus sign is folded by hand.
_FORMULA_SIGNS = frozenset("=+-@\u2212")
# Invisible characters that are not whitespace to str.isspace().
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def filtered_messages(request: HttpRequest) -> tuple[MessageFilterForm, QuerySet[Message]]:
    """Return the filter form of ``request`` and the messages it selects."""
    form = MessageFilterForm(request.GET or None)
    queryset = Message.objects.select_related("contact", "connection__backend")
    return form, form.filter(queryset)


@login_required
@require_GET
def message_log(request: HttpRequest) -> HttpResponse:
    """Show the log: searchable, filterable, sortable and paginated."""
    form, queryset = filtered_messages(request)
    table = MessageTable(queryset)
    configure_table(request, table)
    export_query = request.GET.copy()
    export_query.pop(table.prefixed_page_field, None)
    context = {"form": form, "table": table, "export_query": export_query.urlencode()}
    if wants_live_update(request):
        version = live_version(request, *shown_rows(table))
        return vary_on_live(live_response(request, LIVE_REGIONS, context, version))
    return vary_on_live(render(request, "messagelog/index.html", context))


def shown_rows(table: MessageTable) -> tuple[Any, ...]:
    """Return what the log's live part shows, read without drawing it.

    That is how many rows match (the download link counts them) and each
    column of the page's rows: a new message, a status or error the gateway
    reported, or a contact renamed changes it. Two queries, the page's own.
    """
    page = getattr(table, "page", None)
    if page is None:
        return ()
    rows = [
        (message.pk, message.date, message.direction, message.text, message.status,
         message.error, message.contact.name if message.contact else None,
         message.connection.identity if message.connection else None,
         message.connection.backend.name if message.connection else None)
        for message in (row.record for row in page.object_list)
    ]
    return (table.paginator.count, rows)


@login_required
@require_GET
def message_log_export(request: HttpRequest) -> HttpResponse:
    """Return the rows the page's filters and sort select as a CSV file (UTF-8).

    Filters that do not validate are refused with the page and its errors
    (400) rather than exporting more than was asked for.
    """
    form, queryset = filtered_messages(request)
    table = MessageTable(queryset)
    if form.is_bound and not form.is_valid():
        # The page, one page of rows long: the errors are what matters.
        configure_table(request, table)
        return render(
            request, "messagelog/index.html", {"form": form, "table": table}, status=400
        )
    configure_table(request, table, paginate=False)
    ordered = table.data.data
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_lines(ordered), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="message-log-{stamp}.csv"'
    return response


class _Echo:
    """A file-like object whose ``write`` returns what it is given, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(queryset: QuerySet[Message]) -> Iterator[str]:
    """Yield the CSV text of ``queryset``, a header line first, reading in chunks."""
    writer = csv.writer(_Echo())
    # A byte-order mark, so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    rows = queryset.values_list(
        "date", "direction", "contact__name", "connection__identity",
        "connection__backend__name", "text", "status", "error",
    )
    for date, direction, contact, identity, backend, text, status, error in rows.iterator(
        EXPORT_CHUNK
    ):
        yield writer.writerow(
            [
                timezone.localtime(date).isoformat() if date else "",
                safe_cell(direction),
                safe_cell(contact),
                safe_cell(identity),
                safe_cell(backend),
                safe_cell(text),
                safe_cell(status),
                safe_cell(error),
            ]
        )


def safe_cell(value: Any) -> str:
    """Return ``value`` as text that a spreadsheet shows and never runs as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe (the OWASP advice on CSV injection),
    so ``+15550001`` exports as ``'+15550001``. So does a cell whose first
    visible character is one of those signs behind spaces, non-breaking
    spaces or new lines, or a full-width one (``＝``, ``＋``, ``－``, ``＠``).
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) or _starts_with_formula_sign(text):
        return "'" + text
    return text


def _starts_with_formula_sign(text: str) -> bool:
    for char in text:
        if char.isspace() or char in _INVISIBLE:
            continue
        return unicodedata.normalize("NFKC", char) in _FORMULA_SIGNS or char in _FORMULA_SIGNS
    return False
