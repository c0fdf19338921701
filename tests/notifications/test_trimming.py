"""Quoted text and signatures leave a reply, for each common client's style (fixtures in
`replies/`: NAME.txt is what the client sends, NAME.trimmed.txt what becomes the post)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from dialogue.notifications.inbound.trimming import trim_reply

REPLIES = Path(__file__).parent / "replies"
NAMES = sorted(
    p.name.removesuffix(".txt") for p in REPLIES.glob("*.txt") if ".trimmed" not in p.name
)


def test_every_reply_has_its_trimmed_text() -> None:
    trimmed = sorted(p.name.removesuffix(".trimmed.txt") for p in REPLIES.glob("*.trimmed.txt"))
    assert trimmed == NAMES
    assert len(NAMES) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_reply_is_trimmed_to_what_is_new(name: str) -> None:
    raw = (REPLIES / f"{name}.txt").read_text(encoding="utf-8")
    expected = (REPLIES / f"{name}.trimmed.txt").read_text(encoding="utf-8").strip()
    assert trim_reply(raw) == expected


def test_windows_line_endings_are_read_alike() -> None:
    raw = (REPLIES / "outlook_en.txt").read_text(encoding="utf-8").replace("\n", "\r\n")
    assert trim_reply(raw) == (REPLIES / "outlook_en.trimmed.txt").read_text().strip()


def test_long_and_many_lines_take_little_time() -> None:
    """A sender writes the lines: none may make the patterns work for seconds."""
    hostile = [
        "x" * 200_000,
        "a" * 100_000 + " wrote:",
        "On " + "1" * 100_000,
        ("> " * 50_000) + "text",
        "\n".join(["From: x", "word"] * 20_000),
        "-" * 100_000 + "x",
    ]
    started = time.perf_counter()
    for text in hostile:
        trim_reply("Reply.\n" + text)
    # Linear work takes well under a second; a pattern that backtracked would take minutes.
    assert time.perf_counter() - started < 10.0
