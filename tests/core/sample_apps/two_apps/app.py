"""Two SMS apps in one module: the router cannot tell which one to use."""

from __future__ import annotations

from rapidsms.apps.base import AppBase


class FirstApp(AppBase):
    pass


class SecondApp(AppBase):
    pass
