"""What every renderer shares: options, links to posts, labels, the report's language.

A report is written in one language, its document's `report.language` (the server's
`DIALOGUE_DEFAULT_LANGUAGE` when it was built: dialogues have no language of their own).
Every renderer writes its headings and labels inside `in_language`, so a frozen report
keeps the language it was built in, whatever the language of the request that reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dialogue.config import PROJECT_ROOT, Settings
from dialogue.i18n import gettext as _
from dialogue.i18n import ngettext, translating
from dialogue.threads.views import post_url as page_of_post

SOURCES_SHOWN = 12  # ids listed inline; the JSON always has them all
# Documents frozen before reports had a language were built in English.
LANGUAGE_BEFORE = "en"


def report_language(document: dict[str, Any]) -> str:
    return str(document.get("report", {}).get("language") or LANGUAGE_BEFORE)


@contextmanager
def in_language(document: dict[str, Any], catalogues: Path | None = None) -> Iterator[None]:
    """Headings and labels in the document's language, inside the block."""
    with translating(report_language(document), catalogues):
        yield


def key_messages_title() -> str:
    return _("Key messages (draft)")


def not_quoted(count: int) -> str:
    return ngettext(
        "%(num)s more recommendation whose author did not consent to quoting.",
        "%(num)s more recommendations whose authors did not consent to quoting.",
        count,
    ) % {"num": count}


def quoted_above() -> str:
    return _("Also coded as recommendations, quoted above:") + " "


def tally_note(tally: dict[str, Any]) -> str:
    """What stands in for a statement's words when they are not quoted right here."""
    if tally.get("quote"):
        return ""
    if tally.get("quoted", True):
        return _("(quoted above)")
    return _("(its author did not consent to be quoted)")


def tally_line(tally: dict[str, Any]) -> str:
    """A statement's reactions in words, after its reference."""
    return _("%(agree)s agree, %(disagree)s disagree, %(pass)s pass") % {
        "agree": tally["agree"],
        "disagree": tally["disagree"],
        "pass": tally["pass"],
    }


def distinctive_line(item: dict[str, Any]) -> str:
    """How an opinion group stands on a statement; `%(post)s` is where its reference goes."""
    ours, theirs = f"{item['in_group']:.0%}", f"{item['others']:.0%}"
    if item["stance"] == "agreed more":
        words = _("Agreed more than others with %(post)s (%(ours)s vs %(theirs)s agree)")
    else:
        words = _("Disagreed more than others with %(post)s (%(ours)s vs %(theirs)s agree)")
    return words.replace("%(ours)s", ours).replace("%(theirs)s", theirs)


def split_at(words: str, name: str) -> tuple[str, str]:
    """The text before and after `%(name)s`, for a format that puts a link there."""
    before, _mark, after = words.partition(f"%({name})s")
    return before, after


def state_label(state: str) -> str:
    return {
        "draft": _("Draft"),
        "in_review": _("In review"),
        "approved": _("Approved"),
        "published": _("Published"),
    }.get(state, "")


def theme_heading(number: int, title: str) -> str:
    return _("Theme %(number)s: %(title)s") % {"number": number, "title": title}


def subtheme_heading(label: str, size: int) -> str:
    return label + " " + ngettext("(%(num)s post)", "(%(num)s posts)", size) % {"num": size}


def group_heading(number: int, size: int) -> str:
    return ngettext(
        "Group %(number)s: %(num)s participant", "Group %(number)s: %(num)s participants", size
    ) % {"number": number, "num": size}


def dimension_heading(dimension: str) -> str:
    return {"constituency": _("By constituency"), "region": _("By region")}.get(
        dimension, dimension
    )


def period(start: str, end: str) -> str:
    return _("%(start)s to %(end)s") % {"start": start, "end": end}


def organised_by(organizers: Sequence[str]) -> str:
    return _("Organised by %(names)s") % {"names": ", ".join(organizers)}


def sources_words(more: int) -> tuple[str, str]:
    """The words before the list of a section's posts, and after it when some are left out."""
    tail = ngettext(" and %(num)s more", " and %(num)s more", more) % {"num": more} if more else ""
    return _("Posts:") + " ", tail


def suppressed_line(people: int, min_group: int) -> str:
    return ngettext(
        "%(num)s person in groups of fewer than %(k)s is not shown.",
        "%(num)s people in groups of fewer than %(k)s are not shown.",
        people,
    ) % {"num": people, "k": min_group}


def content_warning(words: str) -> str:
    return _("Content warning: %(warning)s") % {"warning": words}


def post_label(post_id: int) -> str:
    """A post's reference in running text where `#N` alone would read oddly (DOCX)."""
    return _("post #%(id)s") % {"id": post_id}


@dataclass(frozen=True, slots=True)
class RenderOptions:
    base_url: str = ""
    # Links to posts only for readers who may open them (members, or a public dialogue).
    link_posts: bool = True
    templates_dir: Path = PROJECT_ROOT / "templates"
    # k of k-anonymity for the report built (`Settings.report_min_group`).
    min_group: int = 5
    # The language a report is built in (a frozen one keeps its own), and the catalogues.
    language: str = LANGUAGE_BEFORE
    catalogues: Path | None = None


def options_from(settings: Settings) -> RenderOptions:
    """The options a server's settings give every report it renders."""
    return RenderOptions(
        base_url=settings.base_url,
        templates_dir=settings.templates_dir,
        min_group=settings.report_min_group,
        language=settings.default_language,
        catalogues=settings.translations_dir,
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
    with in_language(document):
        return _sections(document)


def _sections(document: dict[str, Any]) -> list[tuple[int, str]]:
    d = document
    found: list[tuple[int, str]] = [(1, d["dialogue"]["title"])]
    if d["executive_summary"]:
        found.append((2, _("Executive summary")))
    if d.get("introduction"):
        found.append((2, _("Introduction")))
    found += [(2, _("At a glance")), (3, _("Who spoke"))]
    found += [(4, dimension_heading(dimension)) for dimension in d["who_spoke"]]
    for index, theme in enumerate(d["themes"], 1):
        found.append((2, theme_heading(index, theme["title"])))
        if theme["guiding_questions"]:
            found.append((3, _("Guiding questions")))
        if theme["moderator_summary"]:
            found.append((3, _("Moderators' summary")))
        if theme["narrative"]:
            found.append((3, _("Summary")))
        if theme.get("key_messages", {}).get("items"):
            found.append((3, key_messages_title()))
        found.append((3, _("Sub-themes")))
        found += [(4, subtheme_heading(s["label"], s["size"])) for s in theme["subthemes"]["items"]]
        if theme["highlights"]:
            found.append((3, _("Highlighted quotes")))
        if theme["codes"]:
            found.append((3, _("Codes")))
    groups = d["agreement"]["groups"]
    found += [(2, _("Agreement and division")), (3, _("Broad agreement"))]
    found += [(3, _("What divides")), (3, _("Opinion groups"))]
    found += [(4, group_heading(n, g["size"])) for n, g in enumerate(groups["items"], 1)]
    if groups["common_ground"]:
        found.append((4, _("Common ground across groups")))
    found.append((2, _("Recommendations")))
    found += [(3, g["title"]) for g in d["recommendations"]["groups"]]
    found += [(2, _("Methodology")), (3, _("Moderation")), (3, _("How the analysis works"))]
    found += [(3, _("Limits")), (2, _("Participating organisations"))]
    return found


def quotes_in(value: Any) -> list[dict[str, Any]]:
    """Every quote, once per time it is quoted, wherever it is in the document (not the
    appendix's post rows, which are not quotes)."""
    if isinstance(value, list):
        return [quote for item in value for quote in quotes_in(item)]
    if isinstance(value, dict):
        if {"post_id", "text", "attribution"} <= value.keys():
            return [value]
        return [quote for key, item in value.items() if key != "posts" for quote in quotes_in(item)]
    return []


def quoted_posts(value: Any) -> list[int]:
    """Every quote's post id, once per time it is quoted, wherever it is in the document."""
    return [int(quote["post_id"]) for quote in quotes_in(value)]
