"""``manage.py rapidpro_sandbox``: a local RapidPro API to develop against."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Serve a local stand-in for the RapidPro API v2 (no account, no network), for "
        "developing with the RapidPro backend. Stop it with Ctrl-C; it keeps nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1",
                            help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8765, help="Port (default 8765).")
        parser.add_argument("--token", default="sandbox-token",
                            help="The API token it accepts (default sandbox-token).")
        parser.add_argument("--shape", choices=["current", "v9"], default="current",
                            help="Answer like the current hosted line (uuids) or like "
                                 "RapidPro 9 (integer ids).")
        parser.add_argument("--rate-limit", default=None, metavar="RATE",
                            help="Answer 429 beyond this many requests, such as 2500/h.")
        parser.add_argument("--country", default="RW",
                            help="Country of numbers written without a country code.")
        parser.add_argument("--webhook", default=None, metavar="URL",
                            help="Post each incoming message here, as a flow's 'Call "
                                 "webhook' action would (for example "
                                 "http://127.0.0.1:8000/backends/rapidpro/).")
        parser.add_argument("--webhook-token", default=None, metavar="SECRET",
                            help="Send this X-RapidSMS-Token header with --webhook.")

    def handle(self, *args: Any, **options: Any) -> None:
        from rapidsms.backends.rapidpro.sandbox import Sandbox
        from rapidsms.backends.rapidpro.throttle import parse_rate

        limit, window = None, 3600.0
        if options["rate_limit"]:
            try:
                limit, window = parse_rate(options["rate_limit"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        headers = {}
        if options["webhook_token"]:
            headers["X-RapidSMS-Token"] = options["webhook_token"]
        try:
            sandbox = Sandbox(
                token=options["token"], shape=options["shape"], host=options["host"],
                port=options["port"], rate_limit=limit, rate_window=window,
                country=options["country"], flow_webhook_url=options["webhook"],
                flow_webhook_headers=headers,
            )
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        settings = {"ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
                    "url": sandbox.url, "api_token": options["token"]}
        self.stdout.write(f"RapidPro sandbox ({options['shape']} replies) at {sandbox.url}\n")
        self.stdout.write("Backend settings:\n  INSTALLED_BACKENDS['rapidpro'] = "
                          + json.dumps(settings, indent=4).replace("\n", "\n  ") + "\n")
        self.stdout.write(
            "Pretend someone texted you:\n"
            f"  curl -X POST {sandbox.url}/sandbox/receive.json "
            "-d '{\"urn\": \"tel:+250788123123\", \"text\": \"ping\"}'\n"
            "Then fetch it with 'manage.py rapidpro_poll rapidpro', or start the sandbox "
            "with --webhook to have it posted to your backend's URL.\n"
        )
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.stop()
