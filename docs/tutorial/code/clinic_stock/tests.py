"""Tests of the clinic stock app with the RapidSMS test harness.

Run them with ``python manage.py test`` or with ``pytest``. Each transcript
goes through every SMS app of the project, as a real message would.
"""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from clinic_stock.models import StockReport
from rapidsms.router import lookup_connections
from rapidsms.tests.harness import LoginMixin, TestScript


class StockReportTest(TestScript):
    strict = True  # a reply the transcript does not expect fails the test

    def test_report_is_recorded_and_confirmed(self) -> None:
        self.runScript("""
            +15550001 > STOCK ORS 12
            +15550001 < Thank you. Oral rehydration salts: 12 in stock.
        """)
        report = StockReport.objects.get()
        self.assertEqual(report.connection.identity, "+15550001")
        self.assertEqual((report.item, report.quantity), ("ORS", 12))

    def test_case_and_spaces_do_not_matter(self) -> None:
        self.runScript("""
            +15550001 >   stock  zinc   30
            +15550001 < Thank you. Zinc tablets: 30 in stock.
        """)

    def test_keyword_alone_explains_the_format(self) -> None:
        self.runScript("""
            +15550001 > stock
            +15550001 < To report stock, send STOCK, the item and the count, e.g. STOCK ORS 12
        """)

    def test_bad_reports_are_explained_and_not_stored(self) -> None:
        self.runScript("""
            # no count
            +15550001 > STOCK ORS
            +15550001 < Please add the count of ORS, e.g. STOCK ORS 12
            # a count that is not a whole number
            +15550001 > STOCK ORS twelve
            +15550001 < Sorry, "twelve" is not a count. Send a whole number, e.g. STOCK ORS 12
            +15550001 > STOCK ORS -3
            +15550001 < Sorry, "-3" is not a count. Send a whole number, e.g. STOCK ORS 12
            +15550001 > STOCK ORS 250000
            +15550001 < Sorry, 250000 is too large: the most is 100000.
            # an item we do not track
            +15550001 > STOCK ASPIRIN 5
            +15550001 < Sorry, ASPIRIN is not an item we track. Send one of: ACT, AMOX, ORS, ZINC.
        """)
        self.assertFalse(StockReport.objects.exists())

    def test_other_messages_get_the_default_reply(self) -> None:
        self.runScript("""
            +15550001 > stockpile 3
            +15550001 < Sorry, Clinic stock could not understand your message.
        """)


class ReportPageTest(LoginMixin, TestCase):
    def test_login_is_required(self) -> None:
        response = self.client.get(reverse("stock-reports"))
        self.assertRedirects(response, "/login/?next=/stock/")

    def test_reports_sorted_by_count(self) -> None:
        connection = lookup_connections("message_tester", ["+15550001"])[0]
        StockReport.objects.create(connection=connection, item="ORS", quantity=12)
        StockReport.objects.create(connection=connection, item="ZINC", quantity=3)
        self.login()
        response = self.client.get(reverse("stock-reports"), {"sort": "quantity"})
        self.assertEqual(response.status_code, 200)
        rows = [(row.record.item, row.record.quantity) for row in response.context["table"].rows]
        self.assertEqual(rows, [("ZINC", 3), ("ORS", 12)])
        self.assertContains(response, "Oral rehydration salts")

