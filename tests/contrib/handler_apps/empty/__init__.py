"""An app without handlers."""
