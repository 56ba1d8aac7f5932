"""Read and check what a gateway sent: the body, its fields, their values.

The functions here raise :class:`~rapidsms.errors.BadRequest` (400) naming
the field at fault, or :class:`~rapidsms.errors.PayloadTooLarge` (413), for
input the sender can be shown is bad. The inbound views offer them as
methods (``self.read_json(request)``, ``self.require(data, "from")``) to the
gateways' parsing hooks.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict

from rapidsms.backends.inbound.security import TOKEN_PARAM
from rapidsms.backends.phone_numbers import InvalidIdentity, normalize_identity
from rapidsms.errors import BadRequest, PayloadTooLarge
from rapidsms.middleware import unreadable_request

#: Longest identity, gateway id or raw status stored (the columns' size).
MAX_FIELD_LENGTH = 255
#: Deepest nesting of a JSON body accepted; gateways send a few levels, and
#: deeper bodies would exhaust the stack of the code that walks them.
MAX_JSON_DEPTH = 64


def check_readable(request: HttpRequest) -> None:
    """Raise :class:`BadRequest` when the request declares a charset it cannot be read in."""
    reason = unreadable_request(request)
    if reason is not None:
        raise BadRequest(reason)


def check_body_size(request: HttpRequest, limit: int | None = None) -> None:
    """Raise :class:`PayloadTooLarge` for a body larger than ``limit`` bytes, before it is read.

    ``None`` means Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (itself None: no
    limit). It applies to every content type: Django enforces its limit only
    on some (not on the files of a multipart form, nor on a body it does not
    parse).
    """
    if limit is None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BadRequest("The Content-Length header is not a number.") from None
    if length > limit:
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")


def read_form(request: HttpRequest) -> QueryDict:
    """Return the form data: the query string for GET, the body for POST."""
    return request.GET if request.method == "GET" else request.POST


def read_json(request: HttpRequest) -> dict[str, Any]:
    """Return the JSON object in the body; raise :class:`BadRequest` otherwise."""
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")
    return data


def require(data: Any, name: str) -> str:
    """Return field ``name`` of ``data`` as text; raise :class:`BadRequest` naming it."""
    value = data.get(name) if hasattr(data, "get") else None
    if value is None or value == "":
        raise BadRequest(f"The field {name!r} is missing.", field=name)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRequest(f"The field {name!r} must be text.", field=name)
    return str(value)


def clean_text(
    value: Any, name: str, *, required: bool = True, max_length: int | None = None
) -> str:
    """Return ``value`` if it is storable text; raise :class:`BadRequest` naming the field.

    Refuses non-text, an empty value when ``required``, text longer than
    ``max_length``, and characters no database column takes (NUL, lone
    surrogates).
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(f"The field {name!r} must be text.", field=name)
    if required and value == "":
        raise BadRequest(f"The field {name!r} is missing or empty.", field=name)
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f"The field {name!r} is longer than {max_length} characters.",
                         field=name)
    if not storable(value):
        raise BadRequest(
            f"The field {name!r} contains characters that cannot be stored "
            "(NUL or an unpaired surrogate).", field=name,
        )
    return value


def clean_identity(value: Any, name: str, backend: Any = None) -> str:
    """Return the identity normalised by ``backend`` (E.164); else :class:`BadRequest`.

    A backend without ``normalize_identity()`` gets the shared E.164 rules.
    """
    identity = clean_text(value, name, max_length=MAX_FIELD_LENGTH)
    normalize = getattr(backend, "normalize_identity", None)
    try:
        identity = normalize(identity) if normalize else normalize_identity(identity)
    except InvalidIdentity as exc:
        raise BadRequest(f"The field {name!r} is not a valid sender: {exc}", field=name) from None
    return identity


def raw_data(data: QueryDict | dict[str, Any]) -> dict[str, Any]:
    """Return form data as a plain dict to keep (lists only when repeated), without our token.

    For ``DeliveryReport.raw`` and a message's fields: the shared secret a
    gateway sends in the query string (``token``) is never kept, so a
    gateway need not remember to drop it.
    """
    if isinstance(data, QueryDict):
        raw = {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    else:
        raw = dict(data)
    raw.pop(TOKEN_PARAM, None)
    return raw


def storable(value: Any) -> bool:
    """Return False when ``value`` holds a string or number no database column takes.

    PostgreSQL refuses NUL characters in text and JSON, no database stores
    an unpaired UTF-16 surrogate, and JSON columns refuse NaN and Infinity
    (which Python's JSON parser accepts).
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(storable(item) for item in value)
    return True


def json_depth(value: Any) -> int:
    """Return how deeply ``value`` nests lists and objects (without recursing: it may be deep)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            pending.extend((inner, depth + 1) for inner in item)
    return deepest
