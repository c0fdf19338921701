"""A page in French, Spanish or Portuguese shows none of the English page's interface text:
every visible string and every label read aloud differs, except names, numbers, what people
wrote, and a short list of words the languages share."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from babel import Locale
from fastapi import FastAPI

from dialogue.threads.models import ReactionKind
from tests.factories import CONDUCT, Factory
from tests.web import scenes
from tests.web.clients import visitor

READ_ALOUD = ("aria-label", "title", "placeholder", "alt")
# The same word in English and in that language, or a proper name.
SHARED = {
    "fr": {"Site", "E-dialogues", "(version 1)", "Notifications"},
    "es": set(),
    "pt": {"Site"},
}
NO_WORDS = re.compile(r"^[\W\d_]*$")
BRAND = "Dialogue"  # the software's name, in every language
ZONE = re.compile(r"^[A-Z][\w+-]*(/[\w+ -]+)+$|^UTC$")


class Strings(HTMLParser):
    """The strings of a page a person reads or hears: text, and labels read aloud."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            shown_value = tag == "input" and name == "value" and ("type", "submit") in attrs
            if value and (name in READ_ALOUD or shown_value):
                self.found.add(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.add(" ".join(data.split()))


def made_of(text: str, written: set[str]) -> bool:
    """Whether `text` is only what people wrote (a title, a name, a post) and the brand."""
    for piece in sorted(filter(None, written), key=len, reverse=True):
        text = text.replace(piece, " ")
    return NO_WORDS.match(text.replace(BRAND, " ")) is not None


def strings(html: str) -> set[str]:
    parser = Strings()
    parser.feed(html)
    return {s for s in parser.found if not NO_WORDS.match(s)}


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
async def test_no_english_interface_text_is_left(
    app: FastAPI, factory: Factory, language: str
) -> None:
    s = await scenes.scene(factory)
    thread, post = await scenes.start_thread(
        app, s.dialogue, s.theme, s.alice, body="Shelters first.", lang="en"
    )
    await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="And schools.")
    await scenes.react(app, post, s.bob, ReactionKind.AGREE)
    people = [s.organizer, s.alice, s.bob]
    written = {
        s.dialogue.title, s.dialogue.summary, s.theme.title, thread.title,
        "Shelters first.", "And schools.", "What does accountability mean to you?", "Who decides?",
        *(p.display_name for p in people), *(p.email for p in people),
        "English", "Français", "Español", "Português",
        "What does", "accountability", "mean to you?",  # the theme's Markdown, in pieces
        *(line.split(". ", 1)[-1] for line in CONDUCT.splitlines() if line),
    }  # fmt: skip
    # Country and time zone names: Babel's own, the same in some languages.
    places = set(Locale.parse(language).territories.values())
    pages = [
        "/",
        f"/d/{s.dialogue.slug}",
        f"/d/{s.dialogue.slug}/themes/{s.theme.id}",
        f"/d/{s.dialogue.slug}/threads/{thread.id}",
        f"/d/{s.dialogue.slug}/posts/{post.id}/translation?to={language}",
        "/me",
        "/notifications",
    ]
    reader = await factory.member(s.dialogue, "participant", language=language)
    english = await factory.member(s.dialogue, "participant", language="en")
    left: dict[str, set[str]] = {}
    for path in pages:
        async with visitor(app, english) as en, visitor(app, reader) as other:
            # The translation page exists only for a reader of another language.
            en_page = await en.get(
                path.replace(f"to={language}", "to=es")
                if language != "es"
                else path.replace("to=es", "to=fr")
            )
            page = await other.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        same = strings(page.text) & strings(en_page.text)
        same = {
            t
            for t in same - places
            if not made_of(t, written | SHARED[language]) and not ZONE.match(t)
        }
        if same:
            left[path] = same
    assert left == {}
