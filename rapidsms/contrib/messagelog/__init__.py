"""Logs every message in and out, one row per connection, in the ``Message`` table.

Put ``"rapidsms.contrib.messagelog"`` in ``INSTALLED_APPS`` before the other
SMS apps: its ``outgoing`` phase then runs last, after any app that cancels
a send or removes recipients (``rapidsms.contrib.optout``), so the log shows
what was actually sent.
"""
