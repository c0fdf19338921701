"""HTML-only replies become Markdown without the client's quoted message (fixtures in
`html_replies/`: NAME.html as the client sends it, NAME.md what becomes the post)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from dialogue.markup import render_markdown
from dialogue.notifications.inbound.html_text import html_to_markdown
from dialogue.notifications.inbound.message import reply_text, unflow
from dialogue.notifications.inbound.trimming import trim_reply

FIXTURES = Path(__file__).parent / "html_replies"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.html"))


def html_message(html: str) -> EmailMessage:
    message = EmailMessage()
    message.set_content(html, subtype="html")
    return message


@pytest.mark.parametrize("name", NAMES)
def test_html_reply_becomes_clean_markdown(name: str) -> None:
    html = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    assert reply_text(html_message(html)) == expected


def test_hostile_html_renders_as_harmless_text() -> None:
    html = (FIXTURES / "hostile.html").read_text(encoding="utf-8")
    rendered = render_markdown(trim_reply(html_to_markdown(html)))
    assert "Hello click and" in rendered
    for harmful in ("<script", "javascript:", "onclick", "<img", "tracker.example", "alert"):
        assert harmful not in rendered


def test_plain_part_is_preferred_to_html() -> None:
    message = EmailMessage()
    message.set_content("The plain words.\n\n> quoted\n")
    message.add_alternative("<p>The <b>HTML</b> words.</p>", subtype="html")
    assert reply_text(message) == "The plain words."


def test_empty_plain_part_falls_back_to_html() -> None:
    message = EmailMessage()
    message.set_content("\n")
    message.add_alternative("<p>Only here.</p>", subtype="html")
    assert reply_text(message) == "Only here."


def test_format_flowed_lines_are_joined() -> None:
    flowed = "This line was \nwrapped by the client.\n> quoted and \n> wrapped\n-- \nAna\n"
    assert unflow(flowed, delsp=False) == (
        "This line was wrapped by the client.\n> quoted and wrapped\n-- \nAna\n"
    )
    assert unflow("joined \nwords", delsp=True) == "joinedwords"
