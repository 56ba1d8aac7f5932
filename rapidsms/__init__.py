"""A Django framework for SMS and chat services.

Messages arrive from a gateway backend, pass through the SMS apps in
``INSTALLED_APPS`` order, and the replies go back out through the backend
the message came from. The public API lives in :mod:`rapidsms.router`.
"""

from rapidsms.__version__ import __version__

__all__ = ["__version__"]
