"""The handler base classes."""
