"""The demo's home page: what is installed, and a form to send test messages."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from rapidsms.errors import MessageSendingError
from rapidsms.router import get_router
from supplies.forms import SendMessageForm, normalise_phone_number
from supplies.tester import conversation, send_test_message

logger = logging.getLogger(__name__)

DEFAULT_IDENTITY = "+15550100"


def _dotted_path(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the SMS apps and backends; send a test message on POST."""
    identity = normalise_phone_number(request.GET.get("identity", "")) or DEFAULT_IDENTITY
    if request.method == "POST":
        form = SendMessageForm(request.POST)
        if form.is_valid():
            identity = form.cleaned_data["identity"]
            try:
                send_test_message(identity, form.cleaned_data["text"])
            except (ValueError, MessageSendingError) as exc:
                logger.warning("The message tester could not route a message: %s", exc)
                form.add_error(None, str(exc))
            else:
                # Redirect so that reloading the page does not send the message again.
                url = reverse("supplies:home") + "?" + urlencode({"identity": identity})
                return redirect(url)
        elif "identity" in form.cleaned_data:
            identity = form.cleaned_data["identity"]
    else:
        form = SendMessageForm(initial={"identity": identity})
    router = get_router()
    context = {
        "form": form,
        "identity": identity,
        "conversation": conversation(identity),
        "apps": [(app.name, _dotted_path(app)) for app in router.apps],
        "backends": [(name, _dotted_path(backend)) for name, backend in router.backends.items()],
    }
    return render(request, "supplies/home.html", context)
