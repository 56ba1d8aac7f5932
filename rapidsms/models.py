"""Backends, contacts and their connections."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Backend(models.Model):
    """A gateway by name: the key of ``INSTALLED_BACKENDS`` that carries a connection."""

    name = models.CharField(_("name"), max_length=255, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("backend")
        verbose_name_plural = _("backends")

    def __str__(self) -> str:
        return self.name


class ContactBase(models.Model):
    """Fields every contact has; subclass it to build a contact model of your own."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    created_on = models.DateTimeField(_("created on"), auto_now_add=True)
    modified_on = models.DateTimeField(_("modified on"), auto_now=True)
    language = models.CharField(
        _("language"),
        max_length=20,
        blank=True,
        help_text=_(
            "The language this contact prefers, as a language tag such as 'fr' or "
            "'pt-br'. Blank means the project's LANGUAGE_CODE."
        ),
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name or "Anonymous"

    @property
    def is_anonymous(self) -> bool:
        """True when the contact has no name."""
        return not self.name

    @property
    def default_connection(self) -> Connection | None:
        """The contact's first connection, or ``None``."""
        return self.connection_set.order_by("pk").first()


class Contact(ContactBase):
    """A person or organisation that can be reached over one or more connections."""

    class Meta(ContactBase.Meta):
        abstract = False
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")


class ConnectionBase(models.Model):
    """Fields every connection has: a backend and an identity on it."""

    backend = models.ForeignKey(Backend, on_delete=models.CASCADE, verbose_name=_("backend"))
    identity = models.CharField(_("identity"), max_length=255)
    # A deleted contact leaves its phone numbers behind: the number still
    # exists and message history may point at it.
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("contact"),
    )
    created_on = models.DateTimeField(_("created on"), auto_now_add=True)
    modified_on = models.DateTimeField(_("modified on"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.identity} via {self.backend}"


class Connection(ConnectionBase):
    """One way to reach a contact: an identity (phone number, URN, ...) on a backend."""

    class Meta(ConnectionBase.Meta):
        abstract = False
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "identity"], name="rapidsms_connection_unique_identity"
            )
        ]
