"""Test tools shipped to app authors: the harness and the pytest plugin."""
