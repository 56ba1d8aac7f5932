"""The handler base classes: ``BaseHandler``, ``KeywordHandler`` and ``PatternHandler``."""
