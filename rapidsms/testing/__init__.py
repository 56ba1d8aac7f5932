"""Test kits shipped with RapidSMS, for projects and for gateways written elsewhere.

:mod:`rapidsms.testing.gateways`
    The suites every gateway is held to (security, malformed and hostile
    input, faults, delivery reports, the outgoing contract), as abstract
    classes a gateway's tests subclass once.
:mod:`rapidsms.testing.fake_gateway`
    A real HTTP server on 127.0.0.1 that records requests and answers as a
    test says.
:mod:`rapidsms.testing.services`
    Skip a test whose service (PostgreSQL, Redis, RabbitMQ) is absent, or
    fail it under ``RAPIDSMS_REQUIRE_SERVICES=1``.

Their fixtures (``mount``, ``gateway``) come from RapidSMS's pytest plugin,
which ``pip install rapidsms[test]`` installs and pytest loads by itself.

Why not ``rapidsms.tests``: that package is RapidSMS 2.x's, kept where 2.x
apps import it from (``rapidsms.tests.harness``), and the place of the
pytest plugin. A package named ``tests`` reads as tests to be collected
(and is left out by tools that skip test code, such as coverage settings
that omit ``*/tests/*``); this one holds library code other tests import.
"""
