"""The messaging page (``messaging``) and its send action (``send_message``, POST only).

A send goes in two steps: the first POST shows what it would do (the
recipients, the SMS each costs, the opted-out ones); the second, from that
confirmation, sends. Sending to more than one recipient needs the
``messaging.send_bulk`` permission.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from rapidsms.contrib.messaging.confirmation import confirmation_token, confirmed_nonce, preview
from rapidsms.contrib.messaging.forms import (
    MAX_TEXT_LENGTH,
    MessagingForm,
    SendResult,
    search_connections,
)
from rapidsms.contrib.messaging.tables import RecipientTable
from rapidsms.deprecation import deprecated_attributes
from rapidsms.views import configure_table

logger = logging.getLogger(__name__)

#: The permission a user needs to send one message to more than one recipient.
BULK_PERMISSION = "messaging.send_bulk"
#: Session key of the confirmations already used, and how many are remembered.
USED_CONFIRMATIONS = "rapidsms_messaging_used_confirmations"
KEEP_USED_CONFIRMATIONS = 50


def render_page(
    request: HttpRequest, form: MessagingForm, query: str, status: int = 200
) -> HttpResponse:
    """Render the page: the search, the recipients table and the send form."""
    selected = request.POST.getlist("connections") if request.method == "POST" else []
    table = RecipientTable(
        search_connections(query), selected=[pk for pk in selected if pk.isdigit()]
    )
    configure_table(request, table)
    context = {
        "form": form,
        "table": table,
        "query": query,
        "max_text_length": MAX_TEXT_LENGTH,
        "may_send_bulk": request.user.has_perm(BULK_PERMISSION),
    }
    return render(request, "messaging/index.html", context, status=status)


@login_required
@require_GET
def messaging(request: HttpRequest) -> HttpResponse:
    """Show the connections (searchable) and the form to write to them."""
    query = request.GET.get("q", "").replace("\x00", "")[:200]
    return render_page(request, MessagingForm(initial={"q": query}), query)


@login_required
@require_POST
def send_message(request: HttpRequest) -> HttpResponse:
    """Show what the send would do; once that is confirmed, send and say how many got it.

    Answers 400 to a form that does not validate (or more recipients than
    ``RAPIDSMS_BULK_SEND_LIMIT``), 403 to several recipients without the
    permission, and shows the confirmation again (409) when the text or the
    recipients changed since it was confirmed. Only a confirmed send sends.
    """
    form = MessagingForm(request.POST)
    query = request.POST.get("q", "").replace("\x00", "")[:200]
    if not form.is_valid():
        return render_page(request, form, query, status=400)
    text, recipients = form.cleaned_data["text"], form.cleaned_data["recipients"]
    if len(recipients) > 1 and not request.user.has_perm(BULK_PERMISSION):
        form.add_error(None, _(
            "Sending to more than one recipient needs the permission “Can send one message "
            "to many recipients”. Choose one recipient, or ask an administrator."
        ))
        return render_page(request, form, query, status=403)
    token = request.POST.get("confirmation", "")
    nonce = confirmed_nonce(token, request.user, text, recipients)
    used = request.session.get(USED_CONFIRMATIONS, [])
    if nonce is None or nonce in used:
        return render_confirmation(request, form, query, changed=bool(token))
    # Spent before the send, and saved at once: the same confirmation posted
    # again (a second click, the browser's history) sends nothing twice.
    request.session[USED_CONFIRMATIONS] = [*used[-(KEEP_USED_CONFIRMATIONS - 1):], nonce]
    request.session.save()
    result = form.send()
    logger.info("%s sent a message to %d recipient(s).", request.user, result.sent)
    report(request, result)
    url = reverse("messaging")
    if query:
        url += "?" + urlencode({"q": query})
    return redirect(url)


def render_confirmation(
    request: HttpRequest, form: MessagingForm, query: str, changed: bool
) -> HttpResponse:
    """Render what the send would do, with the button that sends it."""
    text, recipients = form.cleaned_data["text"], form.cleaned_data["recipients"]
    back = reverse("messaging") + ("?" + urlencode({"q": query}) if query else "")
    context = {
        "form": form,
        "text": text,
        "query": query,
        "all_matching": form.cleaned_data.get("all_matching", False),
        "connection_ids": [conn.pk for conn in recipients],
        "preview": preview(text, recipients),
        "confirmation": confirmation_token(request.user, text, recipients),
        "changed": changed,
        "back_url": back,
    }
    return render(request, "messaging/confirm.html", context, status=409 if changed else 200)


def report(request: HttpRequest, result: SendResult) -> None:
    """Tell the user what happened to the send."""
    if result.cancelled:
        messages.warning(request, _("The message was not sent: an app cancelled it."))
    else:
        text = ngettext(
            "Your message was sent to %(count)d recipient.",
            "Your message was sent to %(count)d recipients.",
            result.sent,
        ) % {"count": result.sent}
        cost = ngettext(
            "It is %(segments)d SMS each", "It is %(segments)d SMS each", result.segments
        ) % {"segments": result.segments}
        if result.ucs2:
            cost += " " + _("(UCS-2)")
        messages.success(request, f"{text} {cost}.")
    if result.opted_out:
        messages.warning(
            request,
            _("Not sent to %(count)d opted-out recipient(s): %(identities)s.")
            % {"count": len(result.opted_out), "identities": ", ".join(result.opted_out)},
        )
    if result.failed:
        messages.error(
            request,
            _("Sending failed for %(count)d recipient(s): %(identities)s.")
            % {"count": len(result.failed), "identities": ", ".join(result.failed)},
        )


# RapidSMS 2.x's name of the send view.
__getattr__ = deprecated_attributes(
    __name__, {"send": (f"{__name__}.send_message", lambda: send_message)}
)
