"""The sample dialogue's text, read from content.json into typed records and checked.

content.json is written by hand, so it is parsed strictly and every cross-reference in it
(authors, reactors, replies, times, highlights, the flag, the codebook) is checked (see
`checks`) before anything is written: a typo fails the load with a message naming the post,
instead of a half-loaded demo or a reply attached to the wrong post.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from dialogue.accounts.models import QuoteConsent
from dialogue.demo.checks import check_content
from dialogue.demo.specs import (
    CodeSpec,
    Content,
    FlagSpec,
    PendingSpec,
    Person,
    PostSpec,
    ThemeSpec,
    ThreadSpec,
)
from dialogue.policy import Role
from dialogue.threads.models import ReactionKind

CONTENT = Path(__file__).resolve().parent / "content.json"


def _person(raw: dict[str, Any]) -> Person:
    profile = {
        name: raw[name]
        for name in ("display_name", "organization", "country", "language", "timezone")
    }
    profile["quote_consent"] = QuoteConsent(raw["quote_consent"])
    profile["constituency"] = raw["constituency"]
    return Person(key=raw["key"], email=raw["email"], role=Role(raw["role"]), profile=profile)


def _post(raw: dict[str, Any], thread: int) -> PostSpec:
    reactions = tuple(
        (person, ReactionKind(kind))
        for kind, people in raw["reactions"].items()
        for person in people
    )
    return PostSpec(
        key=raw["key"],
        thread=thread,
        author=raw["author"],
        body=raw["body"],
        reply_to=raw["reply_to"],
        offset=timedelta(days=raw["day"], hours=raw["hour"]),
        anonymous=bool(raw["anonymous"]),
        reactions=reactions,
    )


def parse_content(raw: dict[str, Any]) -> Content:
    """Typed content, or ValueError naming the first missing field or broken reference."""
    try:
        content = _parse(raw)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"demo content: a field is missing or malformed: {exc}") from exc
    check_content(content)
    return content


def _parse(raw: dict[str, Any]) -> Content:
    threads = tuple(
        ThreadSpec(
            index=index,
            theme=spec["theme"],
            title=spec["title"],
            posts=tuple(_post(post, index) for post in spec["posts"]),
        )
        for index, spec in enumerate(raw["threads"])
    )
    themes = tuple(
        ThemeSpec(
            position=position,
            title=spec["title"],
            guiding_questions=spec["guiding_questions"],
            summary=spec.get("summary", ""),
        )
        for position, spec in enumerate(raw["themes"])
    )
    pending, flag = raw["pending_post"], raw["flag"]
    return Content(
        dialogue={
            name: raw["dialogue"][name] for name in ("slug", "title", "summary", "code_of_conduct")
        },
        people=tuple(_person(person) for person in raw["people"]),
        themes=themes,
        threads=threads,
        pending=PendingSpec(
            thread=pending["thread"],
            author=pending["author"],
            body=pending["body"],
            reply_to=pending.get("reply_to"),
        ),
        flag=FlagSpec(
            post=flag["post"], by=flag["by"], reason=str(flag["reason"]), note=flag["note"]
        ),
        highlights=tuple(raw["highlights"]),
        codes=tuple(
            CodeSpec(
                name=code["name"],
                description=code["description"],
                colour=code["colour"],
                posts=tuple(code["posts"]),
            )
            for code in raw["codes"]
        ),
    )


def read_content(path: Path = CONTENT) -> Content:
    raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return parse_content(raw)
