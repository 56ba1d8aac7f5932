"""The filters of the messages page."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Direction, Status


class TransmissionFilterForm(forms.Form):
    """Narrow the messages page down by direction, status, backend and text."""

    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=[("", _("any"))] + Direction.choices
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any"))] + Status.choices
    )
    backend = forms.CharField(label=_("Backend"), required=False, max_length=255)
    q = forms.CharField(label=_("Text or identity"), required=False, max_length=200)

    def filter(self, queryset: QuerySet[Transmission]) -> QuerySet[Transmission]:
        """Return ``queryset`` narrowed by the valid filters (invalid ones are ignored)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("direction"):
            queryset = queryset.filter(direction=data["direction"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("backend"):
            queryset = queryset.filter(backend=data["backend"])
        if data.get("q"):
            queryset = queryset.filter(
                Q(message__text__icontains=data["q"]) | Q(identity__icontains=data["q"])
            )
        return queryset
