"""The contacts pages: list, add, edit, delete, and import a CSV file of contacts.

URL names are RapidSMS 2.x's: ``registration``, ``registration_contact_add``,
``registration_contact_edit``, ``registration_bulk_add``; deleting has its
own confirmation page, ``registration_contact_delete``.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from rapidsms.conf import get_setting
from rapidsms.contrib.registration.forms import (
    BulkContactsForm,
    ConnectionFormSet,
    ContactForm,
    ContactImportError,
    import_contacts,
)
from rapidsms.contrib.registration.tables import ContactTable
from rapidsms.models import Backend, Connection, Contact
from rapidsms.views import configure_table

logger = logging.getLogger(__name__)


def ensure_backend_rows() -> None:
    """Create the ``Backend`` rows of ``INSTALLED_BACKENDS``, so every one can be chosen."""
    configured = set(get_setting("INSTALLED_BACKENDS") or {})
    missing = configured - set(Backend.objects.values_list("name", flat=True))
    if missing:
        Backend.objects.bulk_create(
            [Backend(name=name) for name in sorted(missing)], ignore_conflicts=True
        )


@login_required
@require_GET
def registration(request: HttpRequest) -> HttpResponse:
    """List the contacts, searchable by name or identity."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    contacts = Contact.objects.prefetch_related(
        Prefetch(
            "connection_set",
            queryset=Connection.objects.select_related("backend").order_by("pk"),
        )
    )
    if query:
        contacts = contacts.filter(
            Q(name__icontains=query) | Q(connection__identity__icontains=query)
        ).distinct()
    table = ContactTable(contacts)
    configure_table(request, table)
    # RapidSMS 2.x's template name and context key come first and second, so
    # a project that overrides them keeps its page.
    return render(request, ["registration/dashboard.html", "registration/contact_list.html"],
                  {"table": table, "contacts_table": table, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add a contact (no ``pk``) or edit one, with its connections."""
    instance = get_object_or_404(Contact, pk=pk) if pk is not None else Contact()
    if request.method == "POST" and "delete_contact" in request.POST and pk is not None:
        # How RapidSMS 2.x's edit form deleted; the page itself links to a confirmation.
        return delete_contact(request, pk)
    ensure_backend_rows()
    # Bound on POST only, whatever the body: an empty POST is a form with errors.
    data = request.POST if request.method == "POST" else None
    form = ContactForm(data, instance=instance)
    # The default prefix ("connection_set"), as in RapidSMS 2.x: scripts and
    # overridden templates post its field names.
    formset = ConnectionFormSet(data, instance=instance)
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            with transaction.atomic():
                saved = form.save()
                formset.instance = saved
                formset.save()
            if pk is None:
                messages.success(request, _("Added %(contact)s.") % {"contact": saved})
            else:
                messages.success(request, _("Saved %(contact)s.") % {"contact": saved})
            return redirect("registration")
        status = 400
    else:
        status = 200
    context = {"form": form, "formset": formset, "contact": instance if pk else None,
               # RapidSMS 2.x's names, for templates written against them.
               "contact_form": form, "connection_formset": formset}
    return render(request, "registration/contact_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete a contact; its connections and message history stay."""
    instance = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        name = str(instance)
        instance.delete()
        messages.success(request, _("Deleted %(contact)s.") % {"contact": name})
        return redirect("registration")
    return render(request, "registration/contact_confirm_delete.html", {"contact": instance})


@login_required
@require_http_methods(["GET", "POST"])
def contact_bulk_add(request: HttpRequest) -> HttpResponse:
    """Import a CSV file of contacts: every line, or none and the list of bad lines."""
    form = BulkContactsForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = import_contacts(form.cleaned_data["bulk"])
            except ContactImportError as exc:
                form.add_error("bulk", str(exc))
            else:
                logger.info("%s imported %d contact(s).", request.user, len(created))
                messages.success(
                    request,
                    ngettext("Imported %(count)d contact.", "Imported %(count)d contacts.",
                             len(created)) % {"count": len(created)},
                )
                return redirect("registration")
        status = 400
    context = {"form": form, "bulk_form": form,  # RapidSMS 2.x's name too
               "csv_errors": " ".join(form.errors.get("bulk", []))}
    return render(request, ["registration/bulk_form.html", "registration/contact_bulk_add.html"],
                  context, status=status)
