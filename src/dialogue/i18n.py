"""Translations: the request's language lives in a context variable read by `gettext`.

The folder of catalogues is the app's `translations_dir` setting, set for each request
by the language middleware, so an operator can ship their own catalogues.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

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


def current_language() -> str:
    return _current_language.get()


def gettext(message: str) -> str:
    return (_current.get() or _NO_TRANSLATION).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return (_current.get() or _NO_TRANSLATION).ngettext(singular, plural, n)


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
