"""What every renderer shares: options, links to posts, labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.config import PROJECT_ROOT, Settings
from dialogue.threads.views import post_url as page_of_post

SOURCES_SHOWN = 12  # ids listed inline; the JSON always has them all
NOT_QUOTED = "{} more recommendations whose authors did not consent to quoting."
KEY_MESSAGES = "Key messages (draft)"
QUOTED_ABOVE = "Also coded as recommendations, quoted above: "


def tally_note(tally: dict[str, Any]) -> str:
    """What stands in for a statement's words when they are not quoted right here."""
    if tally.get("quote"):
        return ""
    if tally.get("quoted", True):
        return "(quoted above)"
    return "(its author did not consent to be quoted)"


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
    # k of k-anonymity for the report built (`Settings.report_min_group`).
    min_group: int = 5


def options_from(settings: Settings) -> RenderOptions:
    """The options a server's settings give every report it renders."""
    return RenderOptions(
        base_url=settings.base_url,
        templates_dir=settings.templates_dir,
        min_group=settings.report_min_group,
    )


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


def sections(document: dict[str, Any]) -> list[tuple[int, str]]:
    """The report's headings, (level, words) in reading order: what every format shows.

    Level 1 is the title. The renderers each lay these out in their own way; the formats
    test (tests/synthesis/test_same_report.py) reads them back from every file and
    compares them with this list, so no format can leave out or add a section.
    """
    d = document
    found: list[tuple[int, str]] = [(1, d["dialogue"]["title"])]
    if d["executive_summary"]:
        found.append((2, "Executive summary"))
    if d.get("introduction"):
        found.append((2, "Introduction"))
    found += [(2, "At a glance"), (3, "Who spoke")]
    found += [(4, f"By {dimension}") for dimension in d["who_spoke"]]
    for index, theme in enumerate(d["themes"], 1):
        found.append((2, f"Theme {index}: {theme['title']}"))
        if theme["guiding_questions"]:
            found.append((3, "Guiding questions"))
        if theme["moderator_summary"]:
            found.append((3, "Moderators' summary"))
        if theme["narrative"]:
            found.append((3, "Summary"))
        if theme.get("key_messages", {}).get("items"):
            found.append((3, KEY_MESSAGES))
        found.append((3, "Sub-themes"))
        found += [(4, f"{s['label']} ({s['size']} posts)") for s in theme["subthemes"]["items"]]
        if theme["highlights"]:
            found.append((3, "Highlighted quotes"))
        if theme["codes"]:
            found.append((3, "Codes"))
    groups = d["agreement"]["groups"]
    found += [(2, "Agreement and division"), (3, "Broad agreement"), (3, "What divides")]
    found.append((3, "Opinion groups"))
    found += [(4, f"Group {n}: {g['size']} participants") for n, g in enumerate(groups["items"], 1)]
    if groups["common_ground"]:
        found.append((4, "Common ground across groups"))
    found.append((2, "Recommendations"))
    found += [(3, g["title"]) for g in d["recommendations"]["groups"]]
    found += [(2, "Methodology"), (3, "Moderation"), (3, "How the analysis works")]
    found += [(3, "Limits"), (2, "Participating organisations")]
    return found


def quoted_posts(value: Any) -> list[int]:
    """Every quote's post id, once per time it is quoted, wherever it is in the document."""
    if isinstance(value, list):
        return [pid for item in value for pid in quoted_posts(item)]
    if isinstance(value, dict):
        if {"post_id", "text", "attribution"} <= value.keys():
            return [int(value["post_id"])]
        return [pid for key, item in value.items() if key != "posts" for pid in quoted_posts(item)]
    return []
