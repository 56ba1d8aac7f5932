"""Messaging: a page to send one message to many connections at once.

Add ``"rapidsms.contrib.messaging"`` to ``INSTALLED_APPS`` and mount the
page: ``path("messaging/", include("rapidsms.contrib.messaging.urls"))``.
"""
