"""What every renderer shares: options, links to posts, labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.config import PROJECT_ROOT
from dialogue.threads.views import post_url as page_of_post

SOURCES_SHOWN = 12  # ids listed inline; the JSON always has them all
NOT_QUOTED = "{} more recommendations whose authors did not consent to quoting."

STATE_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "approved": "Approved",
    "published": "Published",
}


@dataclass(frozen=True, slots=True)
class RenderOptions:
    base_url: str = ""
    # Links to posts only for readers who may open them (members, or a public dialogue).
    link_posts: bool = True
    templates_dir: Path = PROJECT_ROOT / "templates"


def post_url(options: RenderOptions, slug: str, thread_id: int | None, post_id: int) -> str | None:
    """The thread page that starts at the post, as the site itself links to it."""
    if not options.link_posts or thread_id is None:
        return None
    return options.base_url.rstrip("/") + page_of_post(slug, thread_id, post_id)


def shown_sources(post_ids: Sequence[int]) -> tuple[list[int], int]:
    """The first ids to list, and how many more there are."""
    return list(post_ids[:SOURCES_SHOWN]), max(len(post_ids) - SOURCES_SHOWN, 0)


def thread_of(document: dict[str, Any]) -> dict[int, int]:
    """Post id to thread id, to link any post the report mentions."""
    return {row["id"]: row["thread_id"] for row in document["posts"]}


def figure_value(figures: list[dict[str, Any]], key: str) -> int:
    return int(next(f["value"] for f in figures if f["key"] == key))
