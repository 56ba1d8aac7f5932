"""Tests of the test tools shipped to app authors: the harness and the pytest plugin."""
