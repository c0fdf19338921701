"""The report document: one JSON-ready tree every renderer reads, built from a `ReportSource`.

Building is pure and deterministic (sorted everywhere, seeded analysis, no clock), so the
same dialogue always gives the same document and the JSON format is byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from threadpoolctl import threadpool_limits

from dialogue.synthesis import figures, opinions
from dialogue.synthesis.consent import attribution
from dialogue.synthesis.methodology import methodology
from dialogue.synthesis.source import ReportSource, SourcePost
from dialogue.synthesis.subthemes import find_subthemes

SCHEMA_VERSION = 1
LITTLE_DATA = 20
QUOTE_CHARS = 500
HIGHLIGHT_CHARS = 1200
MAX_HIGHLIGHTS = 20
MAX_RECOMMENDATIONS = 30
RECOMMENDATION = re.compile(r"^(recom|recomm|recommand|recomend)", re.IGNORECASE)
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
_NO_REACTIONS = {"agree": 0, "disagree": 0, "pass": 0}

Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _message: str) -> None:
    return None


class Builder:
    def __init__(self, source: ReportSource) -> None:
        self.source = source
        self.by_id = {p.id: p for p in source.posts}
        self.attributions = {
            p.id: attribution(p, source.people.get(p.author_id or -1)) for p in source.posts
        }
        self.quotable = frozenset(pid for pid, a in self.attributions.items() if a.quotable)
        self.reactions = {p.id: dict(_NO_REACTIONS) for p in source.posts}
        for post_id, _user, kind in source.reactions:
            if post_id in self.reactions:
                self.reactions[post_id][kind] += 1
        self.thread_titles = self._thread_titles()

    def _thread_titles(self) -> dict[int, str]:
        """A thread's title is its opener's words: shown only when the opening post is quotable."""
        openers: dict[int, SourcePost] = {}
        for post in self.source.posts:
            if post.parent_id is None and post.thread_id not in openers:
                openers[post.thread_id] = post
        titles = {}
        for post in self.source.posts:
            opener = openers.get(post.thread_id)
            shown = opener is not None and opener.id in self.quotable
            titles[post.thread_id] = post.thread_title if shown else f"Thread {post.thread_id}"
        return titles

    def quote(self, post_id: int, limit: int = QUOTE_CHARS) -> dict[str, Any] | None:
        """A post as it may be quoted, or None when its author did not (knowingly) consent."""
        if post_id not in self.quotable:
            return None
        post = self.by_id[post_id]
        text = post.text if len(post.text) <= limit else post.text[: limit - 1].rstrip() + "…"
        quote: dict[str, Any] = {
            "post_id": post.id,
            "thread_id": post.thread_id,
            "text": text,
            "attribution": self.attributions[post_id].label,
            "date": post.created_at.date().isoformat(),
        }
        if post.content_warning:
            quote["content_warning"] = post.content_warning
        return quote

    def quotes(self, post_ids: list[int] | tuple[int, ...], limit: int) -> list[dict[str, Any]]:
        return [q for q in (self.quote(pid, limit) for pid in post_ids) if q is not None]


def build_document(source: ReportSource, progress: Progress = _quiet) -> dict[str, Any]:
    """The whole report as a tree of plain values, with the post ids behind every statement.

    Numerical libraries run on one thread: a report is one job among a server's requests,
    and a fixed thread count keeps floating-point sums, hence the output, reproducible.
    """
    with threadpool_limits(limits=1):
        return _build(source, progress)


def _build(source: ReportSource, progress: Progress) -> dict[str, Any]:
    b = Builder(source)
    progress(0.05, "figures")
    total = len(source.posts)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "dialogue": _cover(source),
        "report": {
            "state": source.state,
            "data_as_of": max((p.created_at for p in source.posts), default=None),
            "note": (
                f"Only {total} published posts: little can be inferred; read the posts "
                "themselves rather than the patterns."
                if total < LITTLE_DATA
                else ""
            ),
        },
        "executive_summary": source.narrative.executive_summary,
        "introduction": source.narrative.introduction,
        "at_a_glance": {
            "figures": figures.post_figures(source.posts, source),
            "themes": [
                {
                    "theme_id": t.id,
                    "title": t.title,
                    "figures": figures.post_figures(_of_theme(source, t.id), source),
                }
                for t in source.themes
            ],
            "charts": {
                "posts_per_day": figures.posts_per_day(source),
                "participants_by_region": figures.participants_by_region(source),
                "contributions_by_role": figures.contributions_by_role(source),
            },
        },
        "who_spoke": figures.who_spoke(source),
    }
    if document["report"]["data_as_of"] is not None:
        document["report"]["data_as_of"] = document["report"]["data_as_of"].isoformat()
    themes = []
    for index, theme in enumerate(source.themes):
        progress(0.1 + 0.6 * index / max(len(source.themes), 1), f"theme {theme.title}")
        themes.append(_theme(b, theme.id))
    document["themes"] = themes
    progress(0.75, "agreement and opinion groups")
    document["agreement"] = _agreement(b)
    progress(0.9, "recommendations and appendix")
    document["recommendations"] = _recommendations(b)
    document["methodology"] = methodology(source)
    document["organisations"] = figures.organisations(source)
    document["posts"] = [_post_row(b, p) for p in source.posts]
    progress(1.0, "assembled")
    return document


def _of_theme(source: ReportSource, theme_id: int) -> list[SourcePost]:
    return [p for p in source.posts if p.theme_id == theme_id]


def _cover(source: ReportSource) -> dict[str, Any]:
    starts = [t.opens_at for t in source.themes]
    ends = [t.closes_at for t in source.themes]
    return {
        "slug": source.slug,
        "title": source.title,
        "purpose": source.purpose,
        "moderation": source.moderation,
        "start": min(starts).date().isoformat() if starts else None,
        "end": max(ends).date().isoformat() if ends else None,
        "organizers": list(source.organizers),
    }


def guiding_questions(text: str) -> list[str]:
    lines = (_NUMBERING.sub("", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


def _theme(b: Builder, theme_id: int) -> dict[str, Any]:
    theme = next(t for t in b.source.themes if t.id == theme_id)
    posts = _of_theme(b.source, theme_id)
    found = find_subthemes([(p.id, p.text) for p in posts], b.quotable)
    highlighted = [p.id for p in posts if p.highlighted]
    quoted = b.quotes(
        [pid for pid in highlighted if pid in b.quotable][:MAX_HIGHLIGHTS], HIGHLIGHT_CHARS
    )
    codes: dict[str, list[int]] = {}
    for post in posts:
        for code in post.codes:
            codes.setdefault(code, []).append(post.id)
    return {
        "id": theme.id,
        "title": theme.title,
        "position": theme.position,
        "guiding_questions": guiding_questions(theme.guiding_questions),
        "moderator_summary": theme.summary,
        "narrative": b.source.narrative.themes.get(theme.id, ""),
        "figures": figures.post_figures(posts, b.source),
        "subthemes": {
            "found": found.found,
            "note": found.note,
            "items": [
                {
                    "label": s.label,
                    "terms": list(s.terms),
                    "size": len(s.post_ids),
                    "post_ids": list(s.post_ids),
                    "quotes": b.quotes(s.quote_ids, QUOTE_CHARS),
                }
                for s in found.items
            ],
        },
        "highlights": quoted,
        "highlights_not_quoted": len(highlighted) - len(quoted),
        "highlight_post_ids": highlighted,
        "codes": [
            {"code": name, "count": len(ids), "post_ids": ids}
            for name, ids in sorted(codes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
    }


def _tally(b: Builder, t: opinions.Tally) -> dict[str, Any]:
    return {
        "post_id": t.post_id,
        "agree": t.agree,
        "disagree": t.disagree,
        "pass": t.passed,
        "votes": t.votes,
        "quote": b.quote(t.post_id),
    }


def _agreement(b: Builder) -> dict[str, Any]:
    published = set(b.by_id)
    result = opinions.analyse([r for r in b.source.reactions if r[0] in published])
    return {
        "consensus": [_tally(b, t) for t in result.consensus],
        "division": [_tally(b, t) for t in result.division],
        "groups": {
            "found": bool(result.groups),
            "note": result.groups_note,
            "participants_voting": result.participants_voting,
            "items": [
                {
                    "size": g.size,
                    "distinctive": [
                        {
                            "post_id": pid,
                            "stance": stance,
                            "in_group": ours,
                            "others": theirs,
                            "quote": b.quote(pid),
                        }
                        for pid, stance, ours, theirs in g.distinctive
                    ],
                }
                for g in result.groups
            ],
            "common_ground": [
                {"post_id": pid, "quote": b.quote(pid)} for pid in result.common_ground
            ],
        },
    }


def _recommendations(b: Builder) -> dict[str, Any]:
    groups = []
    for theme in b.source.themes:
        ids = [
            p.id
            for p in _of_theme(b.source, theme.id)
            if any(RECOMMENDATION.match(code) for code in p.codes)
        ]
        if not ids:
            continue
        quoted = b.quotes([pid for pid in ids if pid in b.quotable][:MAX_RECOMMENDATIONS], 800)
        groups.append(
            {
                "theme_id": theme.id,
                "title": theme.title,
                "items": quoted,
                "not_quoted": len(ids) - len(quoted),
                "post_ids": ids,
            }
        )
    return {"narrative": b.source.narrative.recommendations, "groups": groups}


def _post_row(b: Builder, post: SourcePost) -> dict[str, Any]:
    quoted = post.id in b.quotable
    return {
        "id": post.id,
        "theme_id": post.theme_id,
        "thread_id": post.thread_id,
        "thread": b.thread_titles[post.thread_id],
        "parent_id": post.parent_id,
        "date": post.created_at.isoformat(),
        "quoted": quoted,
        "author": b.attributions[post.id].label,
        "text": post.text if quoted else "",
        "highlighted": post.highlighted,
        "codes": list(post.codes),
        "reactions": b.reactions[post.id],
    }
