"""Markdown: the report as text an organizer can paste, edit and diff."""

from __future__ import annotations

from typing import Any

from dialogue.synthesis.rendering import (
    NOT_QUOTED,
    STATE_LABELS,
    RenderOptions,
    post_url,
    shown_sources,
    thread_of,
)


def _escape(text: str) -> str:
    """Participants' words as text, never as markup."""
    return text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")


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
        for paragraph in quote["text"].split("\n"):
            self.add("> " + _escape(paragraph))
        self.add(">", f"> — {_escape(quote['attribution'])} ({self.ref(quote['post_id'])})", "")

    def figures_table(self, figures: list[dict[str, Any]]) -> None:
        self.add("| Figure | Value |", "|---|---:|")
        self.add(*(f"| {f['label']} | {f['value']} |" for f in figures))
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
        self.add(f"# {d['title']}", "", "Synthesis report", "")
        if d["start"]:
            self.add(f"{d['start']} to {d['end']}", "")
        self.add(f"Status: {STATE_LABELS.get(self.doc['report']['state'], '')}", "")
        if d["organizers"]:
            self.add("Organised by " + ", ".join(d["organizers"]), "")
        if d["purpose"]:
            self.add(d["purpose"], "")
        if self.doc["report"]["note"]:
            self.add(f"*{self.doc['report']['note']}*", "")
        if self.doc["executive_summary"]:
            self.add("## Executive summary", "", self.doc["executive_summary"], "")

    def glance(self) -> None:
        glance = self.doc["at_a_glance"]
        self.add("## At a glance", "")
        self.figures_table(glance["figures"])
        self.add("| Theme | Posts | Participants | Threads |", "|---|---:|---:|---:|")
        for t in glance["themes"]:
            f = {x["key"]: x["value"] for x in t["figures"]}
            self.add(f"| {t['title']} | {f['posts']} | {f['participants']} | {f['threads']} |")
        self.add("", "### Who spoke", "")
        for dimension, data in self.doc["who_spoke"].items():
            self.add(f"By {dimension}:", "")
            for g in data["groups"]:
                self.add(f"- {g['group']}: {g['people']} people, {g['share']:.0%} of posts")
            if data["suppressed_people"]:
                self.add(
                    f"- {data['suppressed_people']} people in groups of fewer than "
                    f"{data['min_group']} are not shown"
                )
            self.add("")

    def theme(self, index: int, theme: dict[str, Any]) -> None:
        self.add(f"## Theme {index}: {theme['title']}", "")
        if theme["guiding_questions"]:
            self.add("### Guiding questions", "", *(f"- {q}" for q in theme["guiding_questions"]))
            self.add("")
        if theme["moderator_summary"]:
            self.add("### Moderators' summary", "", theme["moderator_summary"], "")
        if theme["narrative"]:
            self.add("### Summary", "", theme["narrative"], "")
        self.add("### Sub-themes", "")
        sub = theme["subthemes"]
        if not sub["found"]:
            self.add(sub["note"], "")
        for item in sub["items"]:
            self.add(
                f"#### {item['label']} ({item['size']} posts)",
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
            self.add(*(f"| {c['code']} | {c['count']} |" for c in theme["codes"]), "")

    def tallies(self, title: str, items: list[dict[str, Any]], empty: str) -> None:
        self.add(f"### {title}", "")
        if not items:
            self.add(empty, "")
        for t in items:
            self.add(
                f"{self.ref(t['post_id'])}: {t['agree']} agree, "
                f"{t['disagree']} disagree, {t['pass']} pass",
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
            self.add(groups["note"], "")
        for n, g in enumerate(groups["items"], 1):
            self.add(
                f"- Group {n}: {g['size']} participants; "
                + "; ".join(
                    f"{d['stance']} with {self.ref(d['post_id'])}" for d in g["distinctive"]
                )
            )
        self.add("")

    def recommendations(self) -> None:
        r = self.doc["recommendations"]
        self.add("## Recommendations", "")
        if r["narrative"]:
            self.add(r["narrative"], "")
        for group in r["groups"]:
            self.add(f"### {group['title']}", "")
            for quote in group["items"]:
                self.quote(quote)
            if group["not_quoted"]:
                self.add(
                    NOT_QUOTED.format(group["not_quoted"]),
                    "",
                )
        if not r["groups"] and not r["narrative"]:
            self.add("No post has been coded as a recommendation.", "")

    def appendix(self) -> None:
        m = self.doc["methodology"]
        self.add("## Methodology", "", *(p + "\n" for p in m["how_it_ran"]))
        mod = m["moderation"]
        self.add("| Posts | Count |", "|---|---:|")
        self.add(*(f"| {k} | {v} |" for k, v in mod["posts_by_status"].items()))
        self.add(f"| flags raised | {mod['flags']} |", "")
        if mod["actions"]:
            self.add("| Moderation action | Count |", "|---|---:|")
            self.add(*(f"| {k} | {v} |" for k, v in mod["actions"].items()), "")
        self.add("### How the analysis works", "", *(p + "\n" for p in m["analysis"]))
        self.add("### Limits", "", *(f"- {p}" for p in m["limits"]), "")
        self.add("## Participating organisations", "")
        orgs = self.doc["organisations"]
        self.add(*(f"- {o}" for o in orgs) if orgs else ["None listed (by consent)."])


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    return MarkdownWriter(document, options).write().encode("utf-8")
