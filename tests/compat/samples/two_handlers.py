"""Two classes of its own: get_class() refuses to choose."""

from __future__ import annotations

from rapidsms.contrib.handlers import KeywordHandler


class FirstHandler(KeywordHandler):
    keyword = "first"


class SecondHandler(KeywordHandler):
    keyword = "second"


class NotAHandler:
    pass
