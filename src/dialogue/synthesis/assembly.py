"""The report document: one JSON-ready tree every renderer reads, built from a `ReportSource`.

Building is pure and deterministic (sorted everywhere, seeded analysis, no clock), so the
same dialogue always gives the same document and the JSON format is byte-identical.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

from dialogue.i18n import gettext as _
from dialogue.i18n import ngettext, translating
from dialogue.synthesis import figures, opinions, quoting
from dialogue.synthesis.consent import Attribution, attribution
from dialogue.synthesis.keymessages import key_messages
from dialogue.synthesis.methodology import methodology
from dialogue.synthesis.origins import Origins
from dialogue.synthesis.recommendations import recommendations
from dialogue.synthesis.redaction import Redactor
from dialogue.synthesis.render.common import quotes_in
from dialogue.synthesis.source import ReportSource, SourcePost
from dialogue.synthesis.subthemes import QUOTES_PER_CLUSTER, find_subthemes

SCHEMA_VERSION = 3  # 3: the report's language; recommendations by audience
KEY_MESSAGE_POSTS = 40  # the most central quotable posts a theme's draft is drawn from
LITTLE_DATA = 20
QUOTE_CHARS = 500
HIGHLIGHT_CHARS = 1200
MAX_HIGHLIGHTS = 20
_NUMBERING = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s*")
_NO_REACTIONS = {"agree": 0, "disagree": 0, "pass": 0}

Progress = Callable[[float, str], None]


def _quiet(_fraction: float, _message: str) -> None:
    return None


class Builder:
    def __init__(self, source: ReportSource) -> None:
        self.source = source
        self.by_id = {p.id: p for p in source.posts}
        self.polis = source.imported_from_polis  # once: the property reads every post
        raw = {p.id: attribution(p, source.people.get(p.author_id or -1)) for p in source.posts}
        self.quotable = frozenset(pid for pid, a in raw.items() if a.quotable)
        self.origins = Origins.of(self._quotable_people(), source.min_group)
        self.raw = raw
        self.attributions = {pid: self._placed(pid, a) for pid, a in raw.items()}
        self.names = quoting.first_names(source.people.values())
        self.by_name = frozenset(
            pid for pid, a in raw.items() if a.quotable and not a.unnamed
            and not self.by_id[pid].anonymous
        )  # fmt: skip
        named = {self.by_id[pid].author_id for pid in self.by_name}
        self.redactor = Redactor(
            source.identities,
            (p.display_name for i, p in sorted(source.people.items()) if i in named),
        )
        self.redactions: dict[int, Counter[tuple[tuple[str, Any], ...]]] = {}
        self.used: set[int] = set()  # posts quoted so far: none is quoted twice
        self.reactions = {p.id: dict(_NO_REACTIONS) for p in source.posts}
        for post_id, _user, kind in source.reactions:
            if post_id in self.reactions:
                self.reactions[post_id][kind] += 1
        self.thread_titles = self._thread_titles()

    def _quotable_people(self) -> list[Any]:
        """People with a quotable post under their own name: the crowd origins hide in."""
        ids = {
            p.author_id
            for p in self.source.posts
            if p.id in self.quotable and not p.anonymous and p.author_id is not None
        }
        return [self.source.people[i] for i in sorted(ids) if i in self.source.people]

    def _placed(self, post_id: int, found: Attribution) -> Attribution:
        if not found.unnamed:
            return found
        person = self.source.people[self.by_id[post_id].author_id or -1]
        return Attribution(quotable=True, label=self.origins.label(person, self.polis))

    def words(self, post_id: int, text: str) -> str:
        """People's words as the report may show them: the one place every quote, excerpt
        and post row passes through, redacted as `redaction` says (what was redacted is
        kept for the review list)."""
        found = self.redactor.redact(text, named=post_id in self.by_name)
        if found.redactions:  # a post's title, quote and row: each span counted once
            counts = Counter(tuple(sorted(r.items())) for r in found.redactions)
            self.redactions[post_id] = self.redactions.get(post_id, Counter()) | counts
        return found.text

    def candidate(self, post_id: int) -> bool:
        """Whether the report may choose this post to quote by itself (`quoting`)."""
        post = self.by_id.get(post_id)
        return (
            post is not None
            and post_id in self.quotable
            and post_id not in self.used
            and not quoting.is_staff(post, self.source)
            and quoting.stands_alone(post, self.names)
        )

    def quote_once(self, post_id: int, limit: int = QUOTE_CHARS) -> dict[str, Any] | None:
        """The quote, the first time the report quotes this post; None after that."""
        if post_id in self.used:
            return None
        found = self.quote(post_id, limit)
        if found is not None:
            self.used.add(post_id)
        return found

    def _thread_titles(self) -> dict[int, str]:
        """A thread's title is its opener's words: shown only when the opening post is quotable,
        redacted as the opener is."""
        openers: dict[int, SourcePost] = {}
        for post in self.source.posts:
            if post.parent_id is None and post.thread_id not in openers:
                openers[post.thread_id] = post
        titles = {}
        for thread_id in sorted({p.thread_id for p in self.source.posts}):
            opener = openers.get(thread_id)
            shown = opener is not None and opener.id in self.quotable
            titles[thread_id] = (
                self.words(opener.id, opener.thread_title)
                if opener is not None and shown
                else thread_label(thread_id)
            )
        return titles

    def quote(self, post_id: int, limit: int = QUOTE_CHARS) -> dict[str, Any] | None:
        """A post as it may be quoted, or None when its author did not (knowingly) consent."""
        if post_id not in self.quotable:
            return None
        post = self.by_id[post_id]
        words = self.words(post_id, post.text)
        text = words if len(words) <= limit else words[: limit - 1].rstrip() + "…"
        quote: dict[str, Any] = {
            "post_id": post.id,
            "thread_id": post.thread_id,
            "text": text,
            "attribution": self.attributions[post_id].label,
            "date": post.created_at.date().isoformat(),
        }
        if post.content_warning:  # people's words too: redacted like the quote itself
            quote["content_warning"] = self.words(post_id, post.content_warning)
        return quote

    def quotes(self, post_ids: Sequence[int], limit: int) -> list[dict[str, Any]]:
        """Each post's quote, skipping any the report has quoted already."""
        return [q for q in (self.quote_once(pid, limit) for pid in post_ids) if q is not None]


def build_document(source: ReportSource, progress: Progress = _quiet) -> dict[str, Any]:
    """The whole report as a tree of plain values, with the post ids behind every statement,
    its words in the source's language.

    Numerical libraries run on one thread: a report is one job among a server's requests,
    and a fixed thread count keeps floating-point sums, hence the output, reproducible.
    """
    with threadpool_limits(limits=1), translating(source.language, source.catalogues):
        return _build(source, progress)


def thread_label(thread_id: int) -> str:
    """A thread named by its number, where its opener's words may not be shown."""
    return _("Thread %(id)s") % {"id": thread_id}


def _build(source: ReportSource, progress: Progress) -> dict[str, Any]:
    b = Builder(source)
    progress(0.05, "figures")
    total = len(source.posts)
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "dialogue": _cover(source),
        "report": {
            "state": source.state,
            "language": source.language,
            "data_as_of": max((p.created_at for p in source.posts), default=None),
            "note": (
                ngettext(
                    "Only %(num)s published post: little can be inferred; read the posts "
                    "themselves rather than the patterns.",
                    "Only %(num)s published posts: little can be inferred; read the posts "
                    "themselves rather than the patterns.",
                    total,
                )
                % {"num": total}
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
    # Moderators' highlights and the statements people voted on are quoted where they
    # are; sub-theme quotes are then chosen among the posts not quoted yet.
    highlights = {t.id: _highlights(b, t.id) for t in source.themes}
    progress(0.1, "agreement and opinion groups")
    agreement = _agreement(b)
    themes = []
    for index, theme in enumerate(source.themes):
        progress(0.2 + 0.6 * index / max(len(source.themes), 1), f"theme {theme.title}")
        themes.append(_theme(b, theme.id, highlights[theme.id]))
    document["themes"] = themes
    document["agreement"] = agreement
    progress(0.9, "recommendations and appendix")
    document["recommendations"] = recommendations(b)
    document["methodology"] = methodology(source)
    document["organisations"] = figures.organisations(source)
    document["posts"] = [_post_row(b, p) for p in source.posts]
    if source.state != "published":  # for the editors and advisors, never published
        document["review"] = _review(b, document)
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


def _highlights(b: Builder, theme_id: int) -> tuple[list[int], list[dict[str, Any]]]:
    highlighted = [p.id for p in _of_theme(b.source, theme_id) if p.highlighted]
    quoted = b.quotes(
        [pid for pid in highlighted if pid in b.quotable][:MAX_HIGHLIGHTS], HIGHLIGHT_CHARS
    )
    return highlighted, quoted


def _subtheme_quotes(b: Builder, ranked: tuple[int, ...]) -> list[dict[str, Any]]:
    usable = [pid for pid in ranked if b.candidate(pid)]
    chosen = quoting.spread(usable, QUOTES_PER_CLUSTER, b.source, b.by_id)
    return b.quotes(chosen, QUOTE_CHARS)


def _key_messages(b: Builder, items: list[Any], narrative: str) -> dict[str, Any]:
    """The extractive draft of a theme's key messages, while no summary is written."""
    if narrative.strip():
        return {"draft": True, "note": "", "items": []}
    pool: list[int] = []
    for depth in range(KEY_MESSAGE_POSTS):  # round-robin over sub-themes: every one heard
        for item in items:
            if depth < len(item.quote_ids) and len(pool) < KEY_MESSAGE_POSTS:
                pool.append(item.quote_ids[depth])
    usable = [
        pid
        for pid in pool
        if not quoting.is_staff(b.by_id[pid], b.source)
        and quoting.stands_alone(b.by_id[pid], b.names)
    ]
    found = key_messages([(pid, b.words(pid, b.by_id[pid].text)) for pid in usable])
    return {
        "draft": True,
        "note": (
            _(
                "Draft: sentences chosen automatically from participants' own posts, as the "
                "most representative and least repetitive of this theme. Rewrite them as the "
                "theme's summary; once a summary is written, this draft is no longer shown."
            )
            if found
            else ""
        ),
        "items": [{"post_id": pid, "text": sentence} for pid, sentence in found],
    }


def _theme(
    b: Builder, theme_id: int, highlights: tuple[list[int], list[dict[str, Any]]]
) -> dict[str, Any]:
    theme = next(t for t in b.source.themes if t.id == theme_id)
    posts = _of_theme(b.source, theme_id)
    found = find_subthemes([(p.id, p.text) for p in posts], b.quotable)
    highlighted, quoted = highlights
    narrative = b.source.narrative.themes.get(theme.id, "")
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
        "narrative": narrative,
        "key_messages": _key_messages(b, list(found.items), narrative),
        "figures": figures.post_figures(posts, b.source),
        "subthemes": {
            "found": found.found,
            "note": found.note,
            "items": [
                {
                    "label": b.redactor.label(s.label),
                    "terms": [t for t in s.terms if b.redactor.label(t) == t],
                    "size": len(s.post_ids),
                    "post_ids": list(s.post_ids),
                    "quotes": _subtheme_quotes(b, s.quote_ids),
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
        "quote": b.quote_once(t.post_id),
        "quoted": t.post_id in b.quotable,
    }


def _agreement(b: Builder) -> dict[str, Any]:
    published = set(b.by_id)
    result = opinions.analyse([r for r in b.source.reactions if r[0] in published])
    # A moderator's or organizer's post is a prompt, not a view participants hold.
    prompt = {pid for pid in published if quoting.is_staff(b.by_id[pid], b.source)}
    shown = [g for g in result.groups if g.size >= b.source.min_group]
    hidden = sum(g.size for g in result.groups if g.size < b.source.min_group)
    return {
        "consensus": [_tally(b, t) for t in result.consensus if t.post_id not in prompt],
        "division": [_tally(b, t) for t in result.division if t.post_id not in prompt],
        "groups": {
            "found": bool(shown),
            "note": result.groups_note
            or ("" if shown else _("Every opinion group found is too small to describe.")),
            "participants_voting": result.participants_voting,
            "suppressed_participants": hidden,
            "min_group": b.source.min_group,
            "items": [
                {
                    "size": g.size,
                    "distinctive": [
                        {
                            "post_id": pid,
                            "stance": stance,
                            "in_group": ours,
                            "others": theirs,
                            "quote": b.quote_once(pid),
                            "quoted": pid in b.quotable,
                        }
                        for pid, stance, ours, theirs in g.distinctive
                        if pid not in prompt
                    ],
                }
                for g in shown
            ],
            "common_ground": [
                {"post_id": pid, "quote": b.quote_once(pid), "quoted": pid in b.quotable}
                for pid in result.common_ground
                if pid not in prompt
            ]
            if shown
            else [],
        },
    }


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
        "text": b.words(post.id, post.text) if quoted else "",
        # Read before the text, as on the page; it goes with the words, quoted or not at all.
        "content_warning": (
            b.words(post.id, post.content_warning) if quoted and post.content_warning else None
        ),
        "polis_statement_id": post.polis_id,
        "highlighted": post.highlighted,
        "codes": list(post.codes),
        "reactions": b.reactions[post.id],
    }


def _review(b: Builder, document: dict[str, Any]) -> list[dict[str, Any]]:
    """What editors and advisors check before publication: every quote as printed, how it
    is attributed, how precise its origin is, and what was redacted from it and why.

    `redactions`: one entry per span replaced (`{"kind", "placeholder", "reason", "text"}`);
    the span itself is shown to reviewers only, since the review list is never published.
    The quote is under `quote`, not `text`, so the list is not taken for one more quote.
    """
    printed: dict[int, str] = {}
    for found in quotes_in({k: v for k, v in document.items() if k != "review"}):
        printed.setdefault(int(found["post_id"]), str(found["text"]))
    rows = []
    for post_id in sorted(printed):
        post = b.by_id[post_id]
        person = b.source.people.get(post.author_id or -1)
        if post.anonymous or person is None:
            origin = _("anonymous post")
        elif b.raw[post_id].unnamed:
            origin = b.origins.level(person)
        else:
            origin = _("named with consent")
        rows.append(
            {
                "post_id": post_id,
                "thread_id": post.thread_id,
                "quote": printed[post_id],
                "attribution": b.attributions[post_id].label,
                "origin": origin,
                "redactions": [
                    dict(entry)
                    for entry, count in b.redactions.get(post_id, Counter()).items()
                    for _ in range(count)
                ],
            }
        )
    return rows
