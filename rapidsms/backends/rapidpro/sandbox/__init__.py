"""A local stand-in for a RapidPro server, for development and tests.

It speaks the parts of API v2 that the RapidPro backend uses, over a real
socket on 127.0.0.1, with no account and no network::

    from rapidsms.backends.rapidpro.sandbox import Sandbox

    with Sandbox(token="dev-token", shape="v9", rate_limit=2500) as sandbox:
        ...  # point the backend's "url" at sandbox.url

Run it from a project with ``python manage.py rapidpro_sandbox``.
"""

from rapidsms.backends.rapidpro.sandbox.server import PAGE_SIZE, RecordedRequest, Sandbox
from rapidsms.backends.rapidpro.sandbox.workspace import SHAPES, SandboxWorkspace

__all__ = ["PAGE_SIZE", "SHAPES", "RecordedRequest", "Sandbox", "SandboxWorkspace"]
