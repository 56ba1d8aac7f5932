"""An app whose ``handlers`` is a module, not a package."""
