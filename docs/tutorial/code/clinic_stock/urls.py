from __future__ import annotations

from django.urls import path

from clinic_stock import views

urlpatterns = [
    path("", views.report_list, name="stock-reports"),
]
