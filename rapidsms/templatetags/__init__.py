"""RapidSMS 2.x's template tag libraries, kept for the templates of RapidSMS 2.x projects.

``{% load forms_tags %}`` and ``{% load paginator_tags %}`` keep working;
each tag raises a ``DeprecationWarning`` when it renders.
"""
