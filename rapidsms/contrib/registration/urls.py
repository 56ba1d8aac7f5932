"""URLs of the contacts pages, named as in RapidSMS 2.x."""

from __future__ import annotations

from django.urls import path

from rapidsms.contrib.registration import views

urlpatterns = [
    path("", views.registration, name="registration"),
    path("add/", views.contact, name="registration_contact_add"),
    path("<int:pk>/edit/", views.contact, name="registration_contact_edit"),
    path("<int:pk>/delete/", views.delete_contact, name="registration_contact_delete"),
    path("bulk/", views.contact_bulk_add, name="registration_bulk_add"),
]
