"""What the gateway backends need in the database: inbound de-duplication and
delivery reports, plus the base views that receive from gateways.

Add ``"rapidsms.backends.inbound"`` to ``INSTALLED_APPS`` (and run
``migrate``) in any project whose backends receive over HTTP; the system
check ``rapidsms.backends.E002`` reminds you. Registering the app also
registers the inbound-security system checks.

Modules: :mod:`~rapidsms.backends.inbound.views` (the base views),
:mod:`~rapidsms.backends.inbound.security` (token checks),
:mod:`~rapidsms.backends.inbound.dedupe` (routing a gateway retry once),
:mod:`~rapidsms.backends.inbound.reports` (storing and signalling delivery
reports), :mod:`~rapidsms.backends.inbound.models`,
:mod:`~rapidsms.backends.inbound.checks`.
"""
