"""An app with two handlers and a private module."""
