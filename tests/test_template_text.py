"""Every word a template shows goes through Babel: no text outside `_()`, `{% trans %}` or
an expression, so that no page is left half in English in another language."""

from __future__ import annotations

import re

import pytest

from dialogue.config import Settings

TEMPLATES = Settings().templates_dir
# Translation blocks first (their text is the msgid), then any other Jinja.
_JINJA = re.compile(
    r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S
)
_HIDDEN = [
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S),
    re.compile(r"<[^>]*>", re.S),  # tags and their attributes
    re.compile(r"""[\w-]+="[^"]*"|[\w-]+='[^']*'"""),  # attributes a macro writes alone
    re.compile(r"&[a-z]+;|&#\d+;"),
]
_WORD = re.compile(r"[^\W\d_]{2,}")


def bare_words(source: str) -> list[str]:
    """The words of a template that reach the page without passing through a translation."""
    text = _JINJA.sub(" ", source)
    for pattern in _HIDDEN:
        text = pattern.sub(" ", text)
    return _WORD.findall(text)


def templates() -> list[str]:
    return sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", templates())
def test_no_text_outside_a_translation_call(name: str) -> None:
    words = bare_words((TEMPLATES / name).read_text(encoding="utf-8"))
    assert words == [], f"{name} shows text outside a translation call: {words}"


def test_the_check_sees_bare_text() -> None:
    found = bare_words('<p class="x">{{ _("Fine") }} Not fine <a title="{{ t }}">{{ n }}</a></p>')
    assert found == ["Not", "fine"]
    assert bare_words("{% trans count=n %}{{ count }} post{% pluralize %}posts{% endtrans %}") == []
