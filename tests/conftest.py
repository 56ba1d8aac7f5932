"""Plugins the whole suite uses: ``pytester`` runs pytest in a subprocess to test our plugin."""

pytest_plugins = ["pytester"]
