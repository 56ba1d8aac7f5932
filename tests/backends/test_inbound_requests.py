"""One token per request, and one size limit for every content type."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client

from rapidsms.backends.http.views import GenericHttpBackendView

SECRET = "requests-secret-0123456789"
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def router(mount: Any) -> Any:
    return mount({
        "gw": {"ENGINE": "rapidsms.backends.http.GenericHttpBackend",
               "inbound_secrets": [SECRET]},
        "vumi": {"ENGINE": "rapidsms.backends.vumi.VumiBackend", "inbound_secrets": [SECRET],
                 "sendsms_url": "http://127.0.0.1:9/"},
    })


def multipart(size: int) -> bytes:
    return (b'--b\r\nContent-Disposition: form-data; name="identity"\r\n\r\n+15550000001\r\n'
            b'--b\r\nContent-Disposition: form-data; name="text"\r\n\r\nping\r\n'
            b'--b\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff" * size + b"\r\n--b--\r\n")


@pytest.mark.parametrize(("content_type", "body"), [
    ("multipart/form-data; boundary=b", multipart(TEN_MB)),
    ("application/x-www-form-urlencoded",
     b"identity=%2B15550000001&text=ping&pad=" + b"x" * TEN_MB),
    ("application/json",
     json.dumps({"identity": "+15550000001", "text": "ping", "pad": "x" * TEN_MB}).encode()),
    ("application/octet-stream", b"\x00" * TEN_MB),
], ids=["multipart", "form", "json", "unknown"])
def test_ten_megabytes_are_413_and_not_routed_whatever_the_content_type(
    router: Any, content_type: str, body: bytes
) -> None:
    response = Client().post("/backends/gw/", data=body, content_type=content_type,
                             headers={"X-RapidSMS-Token": SECRET})
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert router.inbound == []


def test_a_multipart_body_under_the_limit_is_routed(router: Any) -> None:
    response = Client().post("/backends/gw/", data=multipart(1000),
                             content_type="multipart/form-data; boundary=b",
                             headers={"X-RapidSMS-Token": SECRET})
    assert response.status_code == 200
    assert [msg.text for msg in router.inbound] == ["ping"]


def test_a_view_sets_its_own_limit(router: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(GenericHttpBackendView, "max_body_size", 100, raising=False)
    response = Client().post("/backends/gw/", data=multipart(200),
                             content_type="multipart/form-data; boundary=b",
                             headers={"X-RapidSMS-Token": SECRET})
    assert response.status_code == 413
    assert "100 bytes" in response.json()["error"]


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"vumi:{password}".encode()).decode()


@pytest.mark.parametrize(("authorization", "header"), [
    (basic(SECRET), "guess"), (basic("guess"), SECRET),
])
def test_vumi_basic_password_and_a_different_header_are_400(
    router: Any, authorization: str, header: str
) -> None:
    message = {"message_id": "v-1", "from_addr": "+15550000001", "content": "hi",
               "transport_name": "sms", "transport_type": "sms"}
    response = Client().post("/backends/vumi/", data=json.dumps(message),
                             content_type="application/json",
                             headers={"Authorization": authorization, "X-RapidSMS-Token": header})
    assert response.status_code == 400
    assert response.json()["field"] == "token"
    assert router.inbound == []
