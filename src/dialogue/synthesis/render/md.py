"""Markdown: the report as text an organizer can paste, edit and diff.

Every value from the document goes through `markdown_text`: people's words (and the
generated labels around them) as escaped text, summaries and narratives as the sanitised
Markdown the site shows, so no Markdown tool that opens the file meets raw HTML.
"""

from __future__ import annotations

from typing import Any

from dialogue.synthesis.markdown_text import lines, markdown, text
from dialogue.synthesis.methodology import status_words
from dialogue.synthesis.render.common import (
    KEY_MESSAGES,
    NOT_QUOTED,
    QUOTED_ABOVE,
    STATE_LABELS,
    RenderOptions,
    post_url,
    shown_sources,
    tally_note,
    thread_of,
)


class MarkdownWriter:
    def __init__(self, document: dict[str, Any], options: RenderOptions) -> None:
        self.doc = document
        self.options = options
        self.threads = thread_of(document)
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def ref(self, post_id: int) -> str:
        url = post_url(
            self.options, self.doc["dialogue"]["slug"], self.threads.get(post_id), post_id
        )
        return f"[#{post_id}]({url})" if url else f"#{post_id}"

    def sources(self, post_ids: list[int]) -> str:
        shown, more = shown_sources(post_ids)
        text = ", ".join(self.ref(pid) for pid in shown)
        return f"*Posts: {text}{f' and {more} more' if more else ''}*" if shown else ""

    def quote(self, quote: dict[str, Any]) -> None:
        if quote.get("content_warning"):  # Markdown cannot fold: the warning comes first
            self.add(f"> **Content warning: {text(quote['content_warning'])}**", ">")
        self.add(*(f"> {line}".rstrip() for line in lines(quote["text"])))
        self.add(
            ">",
            f"> — {text(quote['attribution'])}, {quote['date']} ({self.ref(quote['post_id'])})",
            "",
        )

    def figures_table(self, figures: list[dict[str, Any]]) -> None:
        self.add("| Figure | Value |", "|---|---:|")
        self.add(*(f"| {text(f['label'])} | {f['value']} |" for f in figures))
        self.add("")

    def write(self) -> str:
        self.cover()
        self.glance()
        for index, theme in enumerate(self.doc["themes"], 1):
            self.theme(index, theme)
        self.agreement()
        self.recommendations()
        self.appendix()
        return "\n".join(self.lines).rstrip() + "\n"

    def cover(self) -> None:
        d = self.doc["dialogue"]
        self.add(f"# {text(d['title'])}", "", "Synthesis report", "")
        if d["start"]:
            self.add(f"{d['start']} to {d['end']}", "")
        self.add(f"Status: {STATE_LABELS.get(self.doc['report']['state'], '')}", "")
        if d["organizers"]:
            self.add("Organised by " + ", ".join(text(o) for o in d["organizers"]), "")
        if d["purpose"]:
            self.add(markdown(d["purpose"], 1), "")
        if self.doc["report"]["note"]:
            self.add(f"*{text(self.doc['report']['note'])}*", "")
        if self.doc["executive_summary"]:
            self.add("## Executive summary", "", markdown(self.doc["executive_summary"], 2), "")
        if self.doc.get("introduction"):  # absent from reports frozen before it existed
            self.add("## Introduction", "", markdown(self.doc["introduction"], 2), "")

    def glance(self) -> None:
        glance = self.doc["at_a_glance"]
        self.add("## At a glance", "")
        self.figures_table(glance["figures"])
        self.add("| Theme | Posts | Participants (own name) | Threads |", "|---|---:|---:|---:|")
        for t in glance["themes"]:
            f = {x["key"]: x["value"] for x in t["figures"]}
            self.add(
                f"| {text(t['title'])} | {f['posts']} | {f['participants']} | {f['threads']} |"
            )
        self.add("", "### Who spoke", "")
        for dimension, data in self.doc["who_spoke"].items():
            self.add(f"#### By {dimension}", "")
            for g in data["groups"]:
                self.add(f"- {text(g['group'])}: {g['people']} people, {g['share']:.0%} of posts")
            if data["suppressed_people"]:
                self.add(
                    f"- {data['suppressed_people']} people in groups of fewer than "
                    f"{data['min_group']} are not shown"
                )
            self.add("")

    def theme(self, index: int, theme: dict[str, Any]) -> None:
        self.add(f"## Theme {index}: {text(theme['title'])}", "")
        if theme["guiding_questions"]:
            questions = (f"- {text(q)}" for q in theme["guiding_questions"])
            self.add("### Guiding questions", "", *questions, "")
        if theme["moderator_summary"]:
            self.add("### Moderators' summary", "", markdown(theme["moderator_summary"], 3), "")
        if theme["narrative"]:
            self.add("### Summary", "", markdown(theme["narrative"], 3), "")
        drafted = theme.get("key_messages", {})
        if drafted.get("items"):
            self.add(f"### {KEY_MESSAGES}", "", f"*{text(drafted['note'])}*", "")
            self.add(
                *(f"- {text(m['text'])} ({self.ref(m['post_id'])})" for m in drafted["items"]),
                "",
            )
        self.add("### Sub-themes", "")
        sub = theme["subthemes"]
        if not sub["found"]:
            self.add(text(sub["note"]), "")
        for item in sub["items"]:
            self.add(
                f"#### {text(item['label'])} ({item['size']} posts)",
                "",
                self.sources(item["post_ids"]),
                "",
            )
            for quote in item["quotes"]:
                self.quote(quote)
        if theme["highlights"]:
            self.add("### Highlighted quotes", "")
            for quote in theme["highlights"]:
                self.quote(quote)
        if theme["codes"]:
            self.add("### Codes", "", "| Code | Posts |", "|---|---:|")
            self.add(*(f"| {text(c['code'])} | {c['count']} |" for c in theme["codes"]), "")

    def tallies(self, title: str, items: list[dict[str, Any]], empty: str) -> None:
        self.add(f"### {title}", "")
        if not items:
            self.add(text(empty), "")
        for t in items:
            self.add(
                f"{self.ref(t['post_id'])}: {t['agree']} agree, "
                f"{t['disagree']} disagree, {t['pass']} pass {tally_note(t)}".rstrip(),
                "",
            )
            if t["quote"]:
                self.quote(t["quote"])

    def agreement(self) -> None:
        a = self.doc["agreement"]
        self.add("## Agreement and division", "")
        self.tallies("Broad agreement", a["consensus"], "No post has broad agreement yet.")
        self.tallies("What divides", a["division"], "No post clearly divides participants.")
        self.add("### Opinion groups", "")
        groups = a["groups"]
        if not groups["found"]:
            self.add(text(groups["note"]), "")
        for n, g in enumerate(groups["items"], 1):
            self.add(f"#### Group {n}: {g['size']} participants", "")
            for d in g["distinctive"]:
                self.add(
                    f"{text(d['stance']).capitalize()} than others with {self.ref(d['post_id'])} "
                    f"({d['in_group']:.0%} vs {d['others']:.0%} agree) {tally_note(d)}".rstrip(),
                    "",
                )
                if d["quote"]:
                    self.quote(d["quote"])
        if groups["common_ground"]:
            self.add("#### Common ground across groups", "")
            for c in groups["common_ground"]:
                if c["quote"]:
                    self.quote(c["quote"])
                else:
                    self.add(f"{self.ref(c['post_id'])} {tally_note(c)}".rstrip(), "")

    def recommendations(self) -> None:
        r = self.doc["recommendations"]
        self.add("## Recommendations", "")
        if r["narrative"]:
            self.add(markdown(r["narrative"], 2), "")
        for group in r["groups"]:
            self.add(f"### {text(group['title'])}", "")
            for quote in group["items"]:
                self.quote(quote)
            if group.get("quoted_above"):
                self.add(QUOTED_ABOVE + ", ".join(self.ref(p) for p in group["quoted_above"]), "")
            if group["not_quoted"]:
                self.add(
                    NOT_QUOTED.format(group["not_quoted"]),
                    "",
                )
        if not r["groups"] and not r["narrative"]:
            self.add("No post has been coded as a recommendation.", "")

    def appendix(self) -> None:
        m = self.doc["methodology"]
        self.add("## Methodology", "", *(text(p) + "\n" for p in m["how_it_ran"]))
        mod = m["moderation"]
        self.add("### Moderation", "")
        self.add("| Posts | Count |", "|---|---:|")
        self.add(*(f"| {text(status_words(k))} | {v} |" for k, v in mod["posts_by_status"].items()))
        self.add(f"| flags raised | {mod['flags']} |", "")
        if mod["actions"]:
            self.add("| Moderation action | Count |", "|---|---:|")
            self.add(*(f"| {text(k)} | {v} |" for k, v in mod["actions"].items()), "")
        self.add("### How the analysis works", "", *(text(p) + "\n" for p in m["analysis"]))
        self.add("### Limits", "", *(f"- {text(p)}" for p in m["limits"]), "")
        self.add("## Participating organisations", "")
        orgs = self.doc["organisations"]
        self.add(*(f"- {text(o)}" for o in orgs) if orgs else ["None listed (by consent)."])


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    return MarkdownWriter(document, options).write().encode("utf-8")
