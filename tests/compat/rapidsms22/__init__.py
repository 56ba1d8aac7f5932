"""Run RapidSMS 2.2.0's own test modules, from its release on PyPI, against this package.

:mod:`.source` fetches and unpacks the release once into a cache,
:mod:`.overlay` serves its test modules under their own names (as if they
were still inside the ``rapidsms`` package), :mod:`.settings` is 2.2's test
settings, and :mod:`.run` runs the modules with Django's test runner in a
process of their own and writes each test's outcome as JSON.
"""
