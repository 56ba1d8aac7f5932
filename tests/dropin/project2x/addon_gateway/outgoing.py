"""A gateway add-on written for RapidSMS 2.x: ``configure()`` requires its URL."""

import requests

from rapidsms.backends.base import BackendBase


class AddonBackend(BackendBase):
    def configure(self, sendsms_url, sendsms_params=None, **kwargs):
        self.sendsms_url = sendsms_url
        self.sendsms_params = sendsms_params or {}

    def send(self, id_, text, identities, context=None):
        for identity in identities:
            data = dict(self.sendsms_params, to=identity, text=text)
            requests.post(self.sendsms_url, data=data, timeout=5).raise_for_status()
