"""The message log page's filters: search, direction, backend and dates."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapidsms.contrib.messagelog.models import DeliveryStatus, Message
from rapidsms.models import Backend


class MessageFilterForm(forms.Form):
    """Narrow the log down; every field is optional, and a wrong one is reported, not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Text, phone number or contact name."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("Both"))] + Message.DIRECTION_CHOICES,
    )
    backend = forms.ChoiceField(label=_("Backend"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *DeliveryStatus.choices],
        help_text=_("Of outgoing messages."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = Backend.objects.order_by("name").values_list("name", flat=True)
        self.fields["backend"].choices = [("", _("All"))] + [(name, name) for name in names]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", ValidationError(_("The end date is before the start date.")))
        return cleaned

    def filter(self, queryset: QuerySet[Message]) -> QuerySet[Message]:
        """Return ``queryset`` narrowed by the fields that are valid."""
        if not self.is_bound:
            return queryset
        self.is_valid()  # cleaned_data keeps only the valid fields
        values = self.cleaned_data
        if query := (values.get("q") or "").strip():
            queryset = queryset.filter(
                Q(text__icontains=query)
                | Q(connection__identity__icontains=query)
                | Q(contact__name__icontains=query)
            )
        if direction := values.get("direction"):
            queryset = queryset.filter(direction=direction)
        if status := values.get("status"):
            queryset = queryset.filter(direction=Message.OUTGOING, status=status)
        if backend := values.get("backend"):
            queryset = queryset.filter(connection__backend__name=backend)
        if start := values.get("start"):
            queryset = queryset.filter(date__gte=_start_of(start))
        if end := values.get("end"):
            # The day after 9999-12-31 does not exist: the end is then no limit.
            if end < end.max:
                queryset = queryset.filter(date__lt=_start_of(end + timedelta(days=1)))
        return queryset


def _start_of(day: Any) -> datetime:
    """Return midnight at the start of ``day`` in the current time zone.

    Near year 1 or 9999 that moment may have no UTC equivalent, which the
    database needs; the earliest or latest moment there is stands in for it.
    """
    moment = datetime.combine(day, time.min)
    if not settings.USE_TZ:
        return moment
    moment = timezone.make_aware(moment)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if day.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)
    return moment
