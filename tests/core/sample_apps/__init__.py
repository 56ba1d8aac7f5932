"""Tiny Django apps whose ``app.py`` is right or wrong in one way each."""
