"""The message tester's page: send as a phone number, read the conversation, clear it.

Everything works without JavaScript (a POST, then a redirect back to the
page). The page's script posts the send form with ``Accept:
application/json`` instead and gets the new conversation as an HTML
fragment, so only the conversation is redrawn; every second it asks for
the conversation again (``rapidsms/js/live.js``), so replies sent later
and messages from elsewhere appear without a reload.
"""

from __future__ import annotations

import logging
from random import randint
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from rapidsms.contrib.httptester import storage
from rapidsms.contrib.httptester.forms import (
    MAX_TEXT_LENGTH,
    BulkUploadForm,
    MessageForm,
    normalise_identity,
)
from rapidsms.errors import MessageSendingError, Unavailable
from rapidsms.views import live_response, live_version, vary_on_live, wants_live_update

logger = logging.getLogger(__name__)

#: Where the page remembers the last number used, so the index returns to it.
SESSION_KEY = "httptester_identity"
#: The most messages of a conversation the page shows.
CONVERSATION_LIMIT = 100

#: The parts of the page its script redraws (messages from elsewhere appear), and their templates.
LIVE_REGIONS = {
    "conversation": "httptester/_conversation.html",
    "numbers-list": "httptester/_numbers.html",
}

CLEAR_ACTIONS = ("clear", "clear-btn")
CLEAR_ALL_ACTIONS = ("clear-all", "clear-all-btn")


@login_required
@require_GET
def generate_identity(request: HttpRequest) -> HttpResponse:
    """Go to the number used last in this session, or to a new random number."""
    identity = normalise_identity(request.session.get(SESSION_KEY, ""))
    if identity is None:
        # Six digits, as RapidSMS 2.x chose: short enough to read back. A
        # made-up test number needs no secrecy; randint is the name 2.x tests patch.
        identity = str(randint(100000, 999999))
    return redirect("httptester", identity=identity)


@login_required
@require_http_methods(["GET", "POST"])
def message_tester(request: HttpRequest, identity: str) -> HttpResponse:
    """Show the conversation with ``identity``; on POST send, upload or clear."""
    try:
        configuration_warning = storage.check_configuration()
    except storage.TesterNotConfigured as exc:
        logger.error("The message tester is not configured: %s", exc)
        response = render(request, "httptester/not_configured.html", {"error": str(exc)},
                          status=503)
        # Every 503 the package answers says when to ask again, as the
        # inbound views and the health URL do.
        response["Retry-After"] = str(Unavailable.retry_after)
        return response
    if request.session.get(SESSION_KEY) != identity:
        # Only when it changes: the page's script asks every second, and
        # setting it would write the session each time.
        request.session[SESSION_KEY] = identity
    message_form = MessageForm(initial={"identity": identity})
    bulk_form = BulkUploadForm(initial={"identity": identity})
    if request.method == "POST":
        action = request.POST.get("action", "")
        # RapidSMS 2.x's page named its buttons instead ("clear-btn" posted as a
        # field): overridden templates and scripts still post that.
        action = action or next(
            (name for name in ("clear-all-btn", "clear-btn") if name in request.POST), ""
        )
        if action in CLEAR_ACTIONS or action in CLEAR_ALL_ACTIONS:
            return clear(request, identity, everything=action in CLEAR_ALL_ACTIONS)
        if action == "bulk" or request.FILES:
            bulk_form = BulkUploadForm(request.POST, request.FILES)
            if bulk_form.is_valid():
                return send_bulk(request, bulk_form)
        else:
            message_form = MessageForm(request.POST)
            if message_form.is_valid():
                return send_one(request, message_form)
            if wants_json(request):
                return JsonResponse(
                    {"ok": False, "errors": message_form.errors.get_json_data()}, status=400
                )
    if request.method == "GET" and wants_live_update(request):
        # Nothing is read or drawn but the table's state while no message came or went.
        version = live_version(request, *storage.tester_state())
        return vary_on_live(live_response(
            request, LIVE_REGIONS, lambda: page_context(request, identity), version))
    context = page_context(request, identity)
    context.update({"message_form": message_form, "bulk_form": bulk_form,
                    "configuration_warning": configuration_warning})
    return vary_on_live(render(request, "httptester/index.html", context))


def send_one(request: HttpRequest, form: MessageForm) -> HttpResponse:
    """Route the form's text, then answer with the new conversation."""
    identity = form.cleaned_data["identity"]
    try:
        storage.store_and_queue(identity, form.cleaned_data["text"])
    except (ValueError, MessageSendingError) as exc:
        logger.warning("The message tester could not route a message: %s", exc)
        if wants_json(request):
            return JsonResponse({"ok": False, "errors": {"__all__": [{"message": str(exc)}]}},
                                status=400)
        messages.error(request, str(exc))
    if wants_json(request):
        context = page_context(request, identity)
        return JsonResponse(
            {
                "ok": True,
                "identity": identity,
                "url": reverse("httptester", kwargs={"identity": identity}),
                "conversation": render_to_string(
                    "httptester/_conversation.html", context, request=request
                ),
                "numbers": render_to_string("httptester/_numbers.html", context, request=request),
            }
        )
    # Redirect, so that reloading the page does not send the message again.
    return redirect("httptester", identity=identity)


def send_bulk(request: HttpRequest, form: BulkUploadForm) -> HttpResponse:
    """Route each message of the uploaded file, in order."""
    identity = form.cleaned_data["identity"]
    texts = form.cleaned_data["bulk"]
    sent = 0
    for text in texts:
        try:
            storage.store_and_queue(identity, text)
        except (ValueError, MessageSendingError) as exc:
            logger.warning("The message tester could not route a message: %s", exc)
            messages.error(request, str(exc))
            break
        sent += 1
    messages.success(
        request,
        ngettext(
            "Sent %(count)d message from the file.",
            "Sent %(count)d messages from the file.",
            sent,
        )
        % {"count": sent},
    )
    return redirect("httptester", identity=identity)


def clear(request: HttpRequest, identity: str, everything: bool) -> HttpResponse:
    """Delete the conversation with ``identity``, or every conversation."""
    deleted = storage.clear_messages(None if everything else identity)
    if everything:
        text = _("Cleared every conversation (%(count)d messages).")
    else:
        text = _("Cleared the conversation with %(identity)s (%(count)d messages).")
    messages.success(request, text % {"count": deleted, "identity": identity})
    return redirect("httptester", identity=identity)


def page_context(request: HttpRequest, identity: str) -> dict[str, Any]:
    """Return what the page and its conversation fragment show."""
    entries, total = storage.conversation(identity, limit=CONVERSATION_LIMIT)
    return {
        "identity": identity,
        "conversation": entries,
        "total": total,
        "numbers": storage.numbers(),
        "max_text_length": MAX_TEXT_LENGTH,
    }


def wants_json(request: HttpRequest) -> bool:
    """Return True for the page script's requests, which ask for JSON."""
    return "application/json" in request.headers.get("Accept", "")
