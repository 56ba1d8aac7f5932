"""RapidSMS 2.x's templates and template tag libraries render on the package's pages.

``{% load forms_tags %}`` and ``{% load paginator_tags %}`` work in a 2.x
project's templates, and a template that extends ``base.html`` gets the
package's layout with its blocks where 2.x put them.
"""

from __future__ import annotations

import re
from typing import Any

import django_tables2 as tables
import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import engines
from django.test import RequestFactory, override_settings
from django.utils.html import escape

from rapidsms.templatetags.paginator_tags import page_numbers


def render(source: str, context: dict[str, Any] | None = None, request: Any = None) -> str:
    return engines["django"].from_string(source).render(context or {}, request)


class ContactForm(forms.Form):
    name = forms.CharField(help_text="As the contact writes it.")
    language = forms.CharField(required=False)
    token = forms.CharField(widget=forms.HiddenInput, initial="t0k3n")

    def clean(self) -> dict[str, Any]:
        raise forms.ValidationError("Something is off.")


# forms_tags --------------------------------------------------------------------


def test_render_form_renders_every_field_with_its_label_help_and_errors() -> None:
    form = ContactForm({"language": "fr", "token": "t0k3n"})
    form.is_valid()
    with pytest.warns(DeprecationWarning, match=re.escape("{{ form }}")):
        html = render("{% load forms_tags %}{% render_form form %}", {"form": form})
    assert "Something is off." in html
    assert '<label for="id_name">Name:</label>' in html
    assert "As the contact writes it." in html
    assert "This field is required." in html
    assert 'class="field required error"' in html
    assert 'type="hidden" name="token" value="t0k3n"' in html
    assert html.count('class="field') == 2


# paginator_tags ----------------------------------------------------------------


def test_page_numbers_link_the_borders_and_the_neighbours() -> None:
    assert page_numbers(10, 20, 2, 2) == [1, 2, None, 8, 9, 10, 11, 12, None, 19, 20]
    # A gap of one page shows the page rather than an ellipsis.
    assert page_numbers(5, 10, 2, 2) == list(range(1, 11))
    assert page_numbers(1, 1, 2, 2) == [1]
    assert page_numbers(3, 9, 0, 0) == [3]


def page_of(number: int, count: int = 200) -> Any:
    return Paginator(list(range(count)), 10).page(number)


def test_paginator_links_keep_the_other_query_parameters() -> None:
    request = RequestFactory().get("/log/", {"q": "clinic", "page": "10"})
    with pytest.warns(DeprecationWarning, match="rapidsms/table.html"):
        html = render("{% load paginator_tags %}{% paginator page %}",
                      {"page": page_of(10), "request": request})
    assert 'id="paginator"' in html
    assert escape("/log/?q=clinic&page=9") in html  # previous
    assert escape("/log/?q=clinic&page=11") in html  # next
    assert escape("/log/?q=clinic&page=20") in html  # last border link
    assert 'aria-current="page" href="' + escape("/log/?q=clinic&page=10") in html
    assert html.count('class="gap"') == 2


def test_paginator_takes_a_prefix_as_2x_did() -> None:
    request = RequestFactory().get("/contacts/")
    with pytest.warns(DeprecationWarning):
        html = render("{% load paginator_tags %}{% paginator page 'users-' %}",
                      {"page": page_of(1), "request": request})
    assert 'id="users-paginator"' in html
    assert escape("/contacts/?users-page=2") in html
    assert 'rel="prev"' not in html


@override_settings(PAGINATOR_BORDER_LINKS=1, PAGINATOR_ADJACENT_LINKS=0)
def test_paginator_reads_the_2x_settings() -> None:
    request = RequestFactory().get("/")
    with pytest.warns(DeprecationWarning):
        html = render("{% load paginator_tags %}{% paginator page %}",
                      {"page": page_of(10), "request": request})
    numbers = re.findall(r">(\d+)</a>", html)
    assert numbers == ["1", "10", "20"]


def test_paginator_works_without_the_request_context_processor_and_says_so() -> None:
    # RapidSMS 2.x refused to load the library without it (ImproperlyConfigured).
    with pytest.warns(RuntimeWarning, match="context_processors.request"):
        with pytest.warns(DeprecationWarning):
            html = render("{% load paginator_tags %}{% paginator page %}", {"page": page_of(3)})
    assert 'href="?page=2"' in html
    assert 'href="?page=4"' in html


# Templates ---------------------------------------------------------------------


def test_a_2x_template_extending_base_html_gets_the_layout_and_its_blocks() -> None:
    source = """{% extends "base.html" %}
        {% block title %}Clinic{% endblock %}
        {% block extra_stylesheets %}<link rel="stylesheet" href="/static/clinic.css">{% endblock %}
        {% block extra_javascript %}<script src="/static/clinic.js"></script>{% endblock %}
        {% block content %}<h1>Patients</h1>{% endblock %}
        {% block footer %}<p>Clinic footer</p>{% endblock %}"""
    html = render(source, request=RequestFactory().get("/"))
    head, body = html.split("</head>")
    assert "<title>Clinic</title>" in head
    assert "rapidsms/css/rapidsms.css" in head
    assert "/static/clinic.css" in head and "/static/clinic.js" in head
    main = body.split("<main", 1)[1].split("</main>")[0]
    assert "<h1>Patients</h1>" in main
    assert "Clinic footer" in body.split("</main>")[1]


def test_the_2x_layouts_place_their_columns() -> None:
    html = render('{% extends "layout-split-3.html" %}{% block left %}L{% endblock %}'
                  "{% block middle %}M{% endblock %}{% block right %}R{% endblock %}",
                  request=RequestFactory().get("/"))
    assert re.search(r"<div>L</div>\s*<div>M</div>\s*<div>R</div>", html)
    html = render('{% extends "layout-split-2.html" %}{% block left %}L{% endblock %}'
                  "{% block right %}R{% endblock %}", request=RequestFactory().get("/"))
    assert re.search(r"<div>L</div>\s*<div>R</div>", html)
    html = render('{% extends "layout.html" %}{% block content %}C{% endblock %}',
                  request=RequestFactory().get("/"))
    assert "C" in html.split("<main", 1)[1]


class Patients(tables.Table):
    name = tables.Column()

    class Meta:
        template_name = "django_tables2/bootstrap-tables.html"


def test_a_table_naming_2x_template_renders_with_the_pages_table_template() -> None:
    request = RequestFactory().get("/patients/")
    table = Patients([{"name": "Amina"}, {"name": "Bo"}])
    table.paginate(page=1, per_page=1)
    html = render("{% load django_tables2 %}{% render_table table %}",
                  {"table": table}, request=request)
    assert 'class="data-table"' in html
    assert "Amina" in html and "Bo" not in html
    assert 'rel="next"' in html
