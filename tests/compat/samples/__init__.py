"""Modules for the tests of RapidSMS 2.x's import helpers."""
