"""Twilio's request signature (``X-Twilio-Signature``), computed and checked.

Twilio signs every request it makes to a webhook: it takes the full URL it
called (scheme, host, path and query string), appends the name and value of
each POST parameter, sorted by name (case-sensitive, byte order), computes
an HMAC-SHA1 of that string keyed with the account's auth token, and sends
it base64-encoded. A request with a JSON body carries the body's SHA-256 in
the ``bodySHA256`` query parameter instead, and is signed over the URL alone.
See https://www.twilio.com/docs/usage/webhooks/webhooks-security.

Twilio's own libraries accept a signature computed with or without the
default port in the URL (``https://host/`` and ``https://host:443/``), as
Twilio has signed both forms, and for a URL with another port
(``https://host:8443/``) one computed without it; :func:`signature_matches`
does the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
BODY_HASH_PARAM = "bodySHA256"
DEFAULT_PORTS = {"http": 80, "https": 443}


def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """Return the signature Twilio sends for a request to ``url`` with ``params``.

    ``params`` are the POST parameters as ``(name, value)`` pairs (a name may
    repeat); pass none for GET requests and JSON bodies.
    """
    signed = url + "".join(name + value for name, value in sorted(params))
    key = auth_token.encode("utf-8", "surrogatepass")
    digest = hmac.new(key, signed.encode("utf-8", "surrogatepass"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> list[str]:
    """Return ``url`` as given and with its default port added, or its port removed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [url]
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if default is None or not host:
        return [url]
    if ":" in host:  # an IPv6 literal keeps its brackets in a netloc
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = userinfo + "@" if userinfo else ""
    if port is None:
        other = parts._replace(netloc=f"{prefix}{host}:{default}")
    else:
        # Twilio's RequestValidator drops any port, not only the default one.
        other = parts._replace(netloc=f"{prefix}{host}")
    return [url, urlunsplit(other)]


def signature_matches(
    signature: str, auth_token: str, url: str, params: Iterable[tuple[str, str]] = ()
) -> bool:
    """Return True when ``signature`` is Twilio's for ``url`` and ``params``.

    Every variant of the URL is compared, in constant time, so timing tells
    nothing about the expected value.
    """
    params = list(params)
    given = signature.encode("utf-8", "surrogatepass")
    matched = False
    for candidate in url_variants(url):
        expected = compute_signature(auth_token, candidate, params).encode("ascii")
        matched |= hmac.compare_digest(given, expected)
    return matched


def body_hash_matches(body: bytes, expected_hex: str) -> bool:
    """Return True when ``body`` hashes to ``expected_hex`` (the ``bodySHA256`` parameter)."""
    actual = hashlib.sha256(body).hexdigest()
    return hmac.compare_digest(actual.encode("ascii"),
                               expected_hex.strip().lower().encode("utf-8", "surrogatepass"))
