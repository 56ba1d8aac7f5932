"""Tiny Django apps with ``handlers`` packages, for the tests of deprecated handler discovery."""
