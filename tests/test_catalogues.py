"""The translation catalogues: complete, not fuzzy, placeholders intact, compiled, current.

A string a person reads is only translated if its catalogue entry exists, has a msgstr for
every plural form, is not fuzzy, keeps the msgid's placeholders (a missing `%(n)s` makes
`_()` raise or silently drop a number) and is in the compiled `.mo` the server loads.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from dialogue.accounts.schemas import SUPPORTED_LANGUAGES
from dialogue.config import PROJECT_ROOT, Settings
from dialogue.i18n import TRANSLATIONS_DIR

TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
# The extraction `make messages` runs, written to a file named last.
EXTRACT = (
    *("-q", "extract", "-F", "babel.cfg", "-k", "_", "-k", "_l", "-k", "gettext"),
    *("-k", "lazy_gettext", "-k", "ngettext:1,2"),
)
# Every language the server offers, except the one the msgids are written in.
LANGUAGES = tuple(lang for lang in Settings().languages if lang != Settings().default_language)
# `%(name)s`, `%s` / `%d`, and str.format's `{name}` / `{}`.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def po_path(language: str) -> Path:
    return TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"


def load_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def forms(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in messages(catalog)}


def test_every_offered_language_has_a_catalogue_and_every_catalogue_is_offered() -> None:
    catalogues = {path.parent.parent.name for path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po")}
    assert catalogues == set(LANGUAGES)


def test_a_profile_accepts_exactly_the_offered_languages() -> None:
    assert set(SUPPORTED_LANGUAGES) == set(Settings().languages)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = load_po(po_path(language))
    untranslated = [
        message.id
        for message in messages(catalog)
        if len(forms(message.string)) != (catalog.num_plurals if message.pluralizable else 1)
        or not all(form.strip() for form in forms(message.string))
    ]
    fuzzy = [message.id for message in messages(catalog) if message.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_their_msgid(language: str) -> None:
    wrong = []
    for message in messages(load_po(po_path(language))):
        # Every plural form receives the same arguments; the msgid_plural names them all.
        expected = placeholders(forms(message.id)[-1])
        for form in forms(message.string):
            if form and placeholders(form) != expected:
                wrong.append((message.id, form))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_po(language: str) -> None:
    source = {
        forms(message.id): forms(message.string)
        for message in messages(load_po(po_path(language)))
        if not message.fuzzy
    }
    with po_path(language).with_suffix(".mo").open("rb") as handle:
        compiled = {
            forms(message.id): forms(message.string) for message in messages(read_mo(handle))
        }
    assert compiled == source, "run `pybabel compile -d src/dialogue/translations`"


def test_the_template_holds_exactly_the_strings_of_the_sources(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", *EXTRACT, "-o", str(fresh), "."],
        cwd=PROJECT_ROOT,
        check=True,
    )
    assert msgids(load_po(fresh)) == msgids(load_po(TEMPLATE)), "run `make messages`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_has_an_entry_for_every_string_of_the_template(language: str) -> None:
    assert msgids(load_po(po_path(language))) == msgids(load_po(TEMPLATE)), "run `make messages`"
