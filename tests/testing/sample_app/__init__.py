"""A small SMS app, written as an app author would, for the harness tests."""
