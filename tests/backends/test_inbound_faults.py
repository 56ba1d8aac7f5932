"""Every gateway held to the fault suite: a fault of ours is never answered as the sender's."""

from __future__ import annotations

from rapidsms.testing.gateways import FaultSuite
from tests.backends.test_http import GenericHttp
from tests.backends.test_kannel import Kannel
from tests.backends.test_twilio import Twilio
from tests.backends.test_vumi import Vumi
from tests.rapidpro.test_inbound_suites import RapidProWebhook


class TestGenericHttpFaults(GenericHttp, FaultSuite):
    pass


class TestKannelFaults(Kannel, FaultSuite):
    pass


class TestVumiFaults(Vumi, FaultSuite):
    pass


class TestTwilioFaults(Twilio, FaultSuite):
    pass


class TestRapidProFaults(RapidProWebhook, FaultSuite):
    pass
