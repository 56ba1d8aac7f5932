"""Handlers that answer ``echo <text>`` and ``ping``: a quick check that a route works.

List them in ``RAPIDSMS_HANDLERS``::

    RAPIDSMS_HANDLERS = [
        "rapidsms.contrib.echo.handlers.echo.EchoHandler",
        "rapidsms.contrib.echo.handlers.ping.PingHandler",
    ]
"""
