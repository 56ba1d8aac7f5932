"""Backend options declared on the class, read and checked by ``configure()``.

A gateway built on :class:`~rapidsms.backends.http_base.HttpBackendBase`
lists its options as class attributes instead of checking each one by hand::

    class AcmeBackend(HttpBackendBase):
        api_key = Text(required=True, hint="the API key from Acme's dashboard")
        sender = Text(expected="a short code or sender id")
        sandbox = Flag()
        api_url = URL("https://api.acme.example", base=True)

``HttpBackendBase.configure()`` takes each declared option out of the
options of :setting:`INSTALLED_BACKENDS`, checks it, and stores the clean
value on the backend under the option's name (``self.api_key``), base
classes' options first, then in the order of declaration. For each value:

* left out, or ``None``: the option's ``default``. ``None`` always means
  "not set", so ``"sender": None`` in the settings is the same as no
  ``sender`` at all.
* still not set (or an empty string) while ``required``:
  :class:`~rapidsms.errors.BackendOptionsError`, naming the backend, the
  option and the ``hint``. That error is Django's ``ImproperlyConfigured``
  and the ``TypeError`` RapidSMS 2.x raised for a ``configure()`` argument
  that was missing.
* not valid (:meth:`Option.clean` raises ``ValueError`` or ``TypeError``,
  or ``check`` returns a false value): the backend's
  :meth:`~rapidsms.backends.http_base.HttpBackendBase.bad_option` error, an
  ``ImproperlyConfigured`` naming the backend, the option, what was
  ``expected``, and the value unless it may be a secret.

A check that involves several options ("set exactly one of these") goes in
the backend's ``configure()``, after ``super().configure(**options)`` has
stored every value on ``self``. Declared options are options the backend
accepts (:meth:`~rapidsms.backends.base.BackendBase.accepted_options`); any
other option is still refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, overload

from rapidsms.errors import BackendOptionsError
from rapidsms.redaction import SECRET_NAME

if TYPE_CHECKING:
    from typing import Self


class Option:
    """One option of a backend, declared as an attribute of its class.

    ``default``
        What the option is worth when it is not set; cleaned like a value
        that is. ``None``: the backend gets ``None``.
    ``required``
        Not setting it is an error; ``hint`` says what to set it to (the
        place in the gateway's console where the value is found).
    ``expected``
        What a good value is, in the words of the error about a bad one
        ("a short code or sender id"); each kind of option has its own.
    ``check``
        A further test of the clean value, such as a compiled pattern's
        ``fullmatch``; a false result makes the value not valid.
    ``quote``
        Whether an error may quote the value. By default it may unless the
        option's name looks secret (``api_key``, ``auth_token``...); set it
        False for an option into which a secret is easily pasted by mistake.

    A kind of option is a subclass that overrides :meth:`clean` and
    :attr:`expected`.
    """

    #: What a valid value is, as an error message says it.
    expected = "a value"

    def __init__(
        self,
        default: Any = None,
        *,
        required: bool = False,
        expected: str | None = None,
        hint: str | None = None,
        check: Callable[[Any], Any] | None = None,
        quote: bool | None = None,
    ) -> None:
        self.default = default
        self.required = required
        if expected is not None:
            self.expected = expected
        self.hint = hint
        self.check = check
        self.quote = quote
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> Any: ...

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        # configure() stores the value on the instance, which then hides the
        # declaration; until it has, the instance reads the default.
        return self if instance is None else self.default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name or '?'}>"

    def clean(self, value: Any) -> Any:
        """Return what to store for ``value`` (never None); raise ``ValueError`` if not valid."""
        return value

    def read(self, backend: Any, value: Any) -> Any:
        """Return what the backend stores for ``value`` (None: not set); raise when it cannot.

        ``backend`` is the backend being configured: the errors name it, and
        a bad value's error is its ``bad_option()``.
        """
        if value is None:
            value = self.default
        if value is None or (self.required and isinstance(value, str) and not value):
            if self.required:
                raise BackendOptionsError(
                    f"Backend {backend.name!r} ({type(backend).__name__}) needs the option "
                    f"{self.name} in INSTALLED_BACKENDS: {self.hint or self.expected}."
                )
            return None
        try:
            cleaned = self.clean(value)
            valid = self.check is None or bool(self.check(cleaned))
        except (TypeError, ValueError):
            valid = False
        if not valid:
            quote = self.quote if self.quote is not None else not SECRET_NAME.search(self.name)
            raise backend.bad_option(self.name, value, self.expected, quote=quote)
        return cleaned


class Text(Option):
    """A string that is not empty: a username, a key, a sender id."""

    expected = "a non-empty string"

    def clean(self, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValueError("not a non-empty string")
        return value


class Flag(Option):
    """``True`` or ``False``, by default ``False``.

    Nothing else counts, not even ``1`` or ``"yes"``: a typo in the settings
    must not switch a feature on or off unseen.
    """

    expected = "True or False"

    def __init__(self, default: bool = False, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)

    def clean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise TypeError("not a bool")
        return value


class URL(Option):
    """An ``http://`` or ``https://`` URL.

    With ``base=True`` it is where an API lives, which the backend appends
    paths to: it is stored without a trailing ``/``.
    """

    expected = "an http:// or https:// URL"

    def __init__(self, default: str | None = None, *, base: bool = False, **kwargs: Any) -> None:
        super().__init__(default, **kwargs)
        self.base = base

    def clean(self, value: Any) -> str:
        if not is_http_url(value):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/") if self.base else value


class Choice(Option):
    """One of ``choices``, after ``normalise`` (``str.upper`` makes ``"get"`` ``"GET"``)."""

    def __init__(
        self,
        choices: Iterable[Any],
        default: Any = None,
        *,
        normalise: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.choices = tuple(choices)
        self.normalise = normalise
        kwargs.setdefault("expected", one_of(self.choices))
        super().__init__(default, **kwargs)

    def clean(self, value: Any) -> Any:
        value = self.normalise(value) if self.normalise else value
        if value not in self.choices:
            raise ValueError("not one of the choices")
        return value


class Dict(Option):
    """A dict, by default empty; the backend gets its own copy of the settings' one."""

    expected = "a dict"

    def __init__(self, default: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__({} if default is None else default, **kwargs)

    def clean(self, value: Any) -> dict[Any, Any]:
        return dict(value)


def is_http_url(value: Any) -> bool:
    """Return True when ``value`` is a string starting with ``http://`` or ``https://``."""
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def one_of(choices: Iterable[Any]) -> str:
    """Return ``"'a', 'b' or 'c'"``: the choices as an error message lists them."""
    shown = [repr(choice) for choice in choices]
    return " or ".join(filter(None, [", ".join(shown[:-1]), *shown[-1:]]))
