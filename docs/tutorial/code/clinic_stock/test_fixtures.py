"""Tests of the clinic stock app with the pytest fixtures of RapidSMS (run them with pytest)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic_stock.models import StockReport
from rapidsms.router import receive


def test_report_is_recorded(rapidsms_transcript):
    rapidsms_transcript("""
        +15550001 > STOCK ORS 12
        +15550001 < Thank you. Oral rehydration salts: 12 in stock.
    """)
    assert list(StockReport.objects.values_list("item", "quantity")) == [("ORS", 12)]


def test_reply_goes_back_the_way_the_message_came(rapidsms_connection, rapidsms_outbox):
    receive("STOCK ACT 40", rapidsms_connection("+15550001", backend="message_tester"))
    assert [(sent.backend, sent.identities, sent.text) for sent in rapidsms_outbox] == [
        ("message_tester", ["+15550001"], "Thank you. Antimalarial tablets (ACT): 40 in stock."),
    ]


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("STOCK ORS", "Please add the count of ORS, e.g. STOCK ORS 12"),
        ("STOCK ORS 1.5", 'Sorry, "1.5" is not a count. Send a whole number, e.g. STOCK ORS 12'),
        ("STOCK ORS 100001", "Sorry, 100001 is too large: the most is 100000."),
        ("STOCK PARACETAMOL 5", "Sorry, PARACETAMOL is not an item we track. "
                                "Send one of: ACT, AMOX, ORS, ZINC."),
    ],
)
def test_bad_reports_are_not_stored(rapidsms_transcript, text, reply):
    rapidsms_transcript(f"""
        +15550001 > {text}
        +15550001 < {reply}
    """)
    assert not StockReport.objects.exists()


def test_reports_page_sorts_by_item(admin_client, rapidsms_transcript):
    rapidsms_transcript("""
        +15550001 > STOCK ZINC 3
        +15550001 < Thank you. Zinc tablets: 3 in stock.
        +15550002 > STOCK AMOX 8
        +15550002 < Thank you. Amoxicillin: 8 in stock.
    """)
    response = admin_client.get(reverse("stock-reports"), {"sort": "item"})
    items = [row.record.item for row in response.context["table"].rows]
    assert items == ["AMOX", "ZINC"]
