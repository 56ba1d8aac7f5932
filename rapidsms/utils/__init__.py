"""Small helpers kept at their RapidSMS 2.x import paths (see :mod:`rapidsms.utils.translation`)."""
