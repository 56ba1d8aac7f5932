"""Handlers that answer ``echo <text>`` and ``ping``: a quick check that a route works."""
