"""Translations: the request's language lives in a context variable read by `gettext`.

The folder of catalogues is the app's `translations_dir` setting, set for each request
by the language middleware, so an operator can ship their own catalogues.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.support import LazyProxy, NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"

_current: ContextVar[NullTranslations | None] = ContextVar("translations", default=None)
_NO_TRANSLATION = NullTranslations()
_current_language: ContextVar[str] = ContextVar("language", default="en")
_catalogues: ContextVar[Path] = ContextVar("catalogues", default=TRANSLATIONS_DIR)


@lru_cache(maxsize=32)
def load(language: str, directory: Path = TRANSLATIONS_DIR) -> NullTranslations:
    return Translations.load(str(directory), [language], domain="messages")


def activate(language: str, catalogues: Path | None = None) -> None:
    """Translate into `language` from here on, from `catalogues` or else the folder the
    request's middleware chose."""
    if catalogues is not None:
        _catalogues.set(catalogues)
    _current.set(load(language, _catalogues.get()))
    _current_language.set(language)


@contextmanager
def translating(language: str, catalogues: Path | None = None) -> Iterator[None]:
    """Translate into `language` inside the block only: an e-mail to a French reader,
    written during an English request, leaves the request in English."""
    saved = (_current.get(), _current_language.get(), _catalogues.get())
    try:
        activate(language, catalogues)
        yield
    finally:
        _current.set(saved[0])
        _current_language.set(saved[1])
        _catalogues.set(saved[2])


def localtime(value: datetime | None, timezone: str = "UTC", fmt: str = "medium") -> str:
    """A stored UTC time shown in the reader's zone and language."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return _formatted(aware, timezone, fmt, current_language())


@lru_cache(maxsize=16_384)
def _formatted(value: datetime, timezone: str, fmt: str, language: str) -> str:
    # Cached: a digest shows the same posts' times to a thousand readers, and Babel takes
    # a quarter of a millisecond for each.
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return format_datetime(value.astimezone(zone), format=fmt, locale=language)


# Within a week "3 hours ago" reads better than a date; beyond it, the date does.
RELATIVE_FOR = timedelta(days=7)


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago a stored UTC time was, in the reader's language ("3 hours ago"), or ""
    when it is more than a week ago or ahead (then the exact time reads better)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    elapsed = (now or datetime.now(UTC)) - aware
    if not timedelta(0) <= elapsed <= RELATIVE_FOR:
        return ""
    if elapsed < timedelta(minutes=1):
        return gettext("just now")
    return format_timedelta(-elapsed, add_direction=True, locale=current_language())


def number(value: float | None) -> str:
    """A count or a measure as the reader's language writes it (1 046, 1,5 in French)."""
    if value is None:
        return ""
    return format_decimal(value, locale=current_language())


def current_language() -> str:
    return _current_language.get()


def gettext(message: str) -> str:
    return (_current.get() or _NO_TRANSLATION).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return (_current.get() or _NO_TRANSLATION).ngettext(singular, plural, n)


def lazy_gettext(message: str) -> str:
    """`message` translated each time it is read, into the language active then: for text
    written down at import time and shown later, such as the command line's help."""
    return cast(str, LazyProxy(gettext, message, enable_cache=False))


def locale_language(locale: str | None, supported: tuple[str, ...], default: str) -> str:
    """The language of a POSIX locale name (`fr_FR.UTF-8`, `pt_BR`, `es`) if it is
    supported, else `default` (also for `C`, `POSIX` and none)."""
    language = (locale or "").partition(".")[0].partition("@")[0].replace("-", "_")
    language = language.partition("_")[0].lower()
    return language if language in supported else default


def negotiate(accept_language: str, supported: tuple[str, ...], default: str) -> str:
    """Pick the first supported language of an Accept-Language header, by quality."""
    choices: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        lang, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((quality, lang.strip().lower().split("-")[0]))
    for _quality, lang in sorted(choices, key=lambda c: -c[0]):
        if lang in supported:
            return lang
    return default
