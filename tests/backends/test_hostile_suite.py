"""Every gateway held to the shipped hostile-input suite."""

from __future__ import annotations

from rapidsms.testing.gateways import HostileInputSuite
from tests.backends.test_http import GenericHttp
from tests.backends.test_kannel import Kannel
from tests.backends.test_twilio import Twilio
from tests.backends.test_vumi import Vumi
from tests.rapidpro.test_inbound_suites import RapidProWebhook


class TestGenericHttpHostileInput(GenericHttp, HostileInputSuite):
    pass


class TestKannelHostileInput(Kannel, HostileInputSuite):
    pass


class TestVumiHostileInput(Vumi, HostileInputSuite):
    pass


class TestTwilioHostileInput(Twilio, HostileInputSuite):
    pass


class TestRapidProHostileInput(RapidProWebhook, HostileInputSuite):
    pass
