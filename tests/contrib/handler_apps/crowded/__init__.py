"""An app with a handler module that defines two handlers."""
