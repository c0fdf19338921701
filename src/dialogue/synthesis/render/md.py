"""Markdown: the report as text an organizer can paste, edit and diff.

Every value from the document goes through `markdown_text`: people's words (and the
generated labels around them) as escaped text, summaries and narratives as the sanitised
Markdown the site shows, so no Markdown tool that opens the file meets raw HTML.
"""

from __future__ import annotations

from typing import Any

from dialogue.i18n import gettext as _
from dialogue.synthesis.markdown_text import lines, markdown, text
from dialogue.synthesis.methodology import status_words
from dialogue.synthesis.render.common import (
    RenderOptions,
    content_warning,
    dimension_heading,
    distinctive_line,
    group_heading,
    in_language,
    key_messages_title,
    not_quoted,
    organised_by,
    period,
    post_url,
    quoted_above,
    shown_sources,
    sources_words,
    split_at,
    state_label,
    subtheme_heading,
    suppressed_line,
    tally_line,
    tally_note,
    theme_heading,
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
        listed = ", ".join(self.ref(pid) for pid in shown)
        before, after = sources_words(more)
        return f"*{text(before)}{listed}{text(after)}*" if shown else ""

    def quote(self, quote: dict[str, Any]) -> None:
        if quote.get("content_warning"):  # Markdown cannot fold: the warning comes first
            self.add(f"> **{text(content_warning(quote['content_warning']))}**", ">")
        self.add(*(f"> {line}".rstrip() for line in lines(quote["text"])))
        self.add(
            ">",
            f"> — {text(quote['attribution'])}, {quote['date']} ({self.ref(quote['post_id'])})",
            "",
        )

    def figures_table(self, figures: list[dict[str, Any]]) -> None:
        self.add(f"| {_('Figure')} | {_('Value')} |", "|---|---:|")
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
        self.add(f"# {text(d['title'])}", "", text(_("Synthesis report")), "")
        if d["start"]:
            self.add(text(period(d["start"], d["end"])), "")
        status = _("Status: %(state)s") % {"state": state_label(self.doc["report"]["state"])}
        self.add(text(status), "")
        if d["organizers"]:
            self.add(text(organised_by(d["organizers"])), "")
        if d["purpose"]:
            self.add(markdown(d["purpose"], 1), "")
        if self.doc["report"]["note"]:
            self.add(f"*{text(self.doc['report']['note'])}*", "")
        if self.doc["executive_summary"]:
            self.add(f"## {_('Executive summary')}", "", markdown(self.doc["executive_summary"], 2))
            self.add("")
        if self.doc.get("introduction"):  # absent from reports frozen before it existed
            self.add(f"## {_('Introduction')}", "", markdown(self.doc["introduction"], 2), "")

    def glance(self) -> None:
        glance = self.doc["at_a_glance"]
        self.add(f"## {_('At a glance')}", "")
        self.figures_table(glance["figures"])
        header = (_("Theme"), _("Posts"), _("Participants (own name)"), _("Threads"))
        self.add("| " + " | ".join(text(h) for h in header) + " |", "|---|---:|---:|---:|")
        for t in glance["themes"]:
            f = {x["key"]: x["value"] for x in t["figures"]}
            self.add(
                f"| {text(t['title'])} | {f['posts']} | {f['participants']} | {f['threads']} |"
            )
        self.add("", f"### {_('Who spoke')}", "")
        for dimension, data in self.doc["who_spoke"].items():
            self.add(f"#### {text(dimension_heading(dimension))}", "")
            for g in data["groups"]:
                share = _("%(people)s people, %(share)s of posts") % {
                    "people": g["people"],
                    "share": f"{g['share']:.0%}",
                }
                self.add(f"- {text(g['group'])}: {text(share)}")
            if not data["groups"]:
                self.add(text(_("No group is large enough to show.")))
            if data["suppressed_people"]:
                line = suppressed_line(data["suppressed_people"], data["min_group"])
                self.add(f"- {text(line)}")
            self.add("")

    def theme(self, index: int, theme: dict[str, Any]) -> None:
        self.add(f"## {text(theme_heading(index, theme['title']))}", "")
        if theme["guiding_questions"]:
            questions = (f"- {text(q)}" for q in theme["guiding_questions"])
            self.add(f"### {_('Guiding questions')}", "", *questions, "")
        if theme["moderator_summary"]:
            heading = text(_("Moderators' summary"))
            self.add(f"### {heading}", "", markdown(theme["moderator_summary"], 3), "")
        if theme["narrative"]:
            self.add(f"### {_('Summary')}", "", markdown(theme["narrative"], 3), "")
        drafted = theme.get("key_messages", {})
        if drafted.get("items"):
            self.add(f"### {text(key_messages_title())}", "")
            self.excerpts(drafted)
        self.add(f"### {_('Sub-themes')}", "")
        sub = theme["subthemes"]
        if not sub["found"]:
            self.add(text(sub["note"]), "")
        for item in sub["items"]:
            self.add(
                f"#### {text(subtheme_heading(item['label'], item['size']))}",
                "",
                self.sources(item["post_ids"]),
                "",
            )
            for quote in item["quotes"]:
                self.quote(quote)
        if theme["highlights"]:
            self.add(f"### {_('Highlighted quotes')}", "")
            for quote in theme["highlights"]:
                self.quote(quote)
        if theme["codes"]:
            self.add(f"### {_('Codes')}", "", f"| {_('Code')} | {_('Posts')} |", "|---|---:|")
            self.add(*(f"| {text(c['code'])} | {c['count']} |" for c in theme["codes"]), "")

    def excerpts(self, drafted: dict[str, Any]) -> None:
        """A drafted list of participants' sentences, under its draft mark."""
        self.add(f"*{text(drafted['note'])}*", "")
        self.add(*(f"- {text(m['text'])} ({self.ref(m['post_id'])})" for m in drafted["items"]), "")

    def tallies(self, title: str, items: list[dict[str, Any]], empty: str) -> None:
        self.add(f"### {title}", "")
        if not items:
            self.add(text(empty), "")
        for t in items:
            line = f"{tally_line(t)} {tally_note(t)}".rstrip()
            self.add(f"{self.ref(t['post_id'])}: {text(line)}", "")
            if t["quote"]:
                self.quote(t["quote"])

    def agreement(self) -> None:
        a = self.doc["agreement"]
        self.add(f"## {_('Agreement and division')}", "")
        self.tallies(_("Broad agreement"), a["consensus"], _("No post has broad agreement yet."))
        self.tallies(_("What divides"), a["division"], _("No post clearly divides participants."))
        self.add(f"### {_('Opinion groups')}", "")
        groups = a["groups"]
        if not groups["found"]:
            self.add(text(groups["note"]), "")
        for n, g in enumerate(groups["items"], 1):
            self.add(f"#### {text(group_heading(n, g['size']))}", "")
            for d in g["distinctive"]:
                before, after = split_at(f"{distinctive_line(d)} {tally_note(d)}".rstrip(), "post")
                self.add(text(before) + self.ref(d["post_id"]) + text(after), "")
                if d["quote"]:
                    self.quote(d["quote"])
        if groups["common_ground"]:
            self.add(f"#### {_('Common ground across groups')}", "")
            for c in groups["common_ground"]:
                if c["quote"]:
                    self.quote(c["quote"])
                else:
                    self.add(f"{self.ref(c['post_id'])} {tally_note(c)}".rstrip(), "")

    def recommendations(self) -> None:
        r = self.doc["recommendations"]
        self.add(f"## {_('Recommendations')}", "")
        if r["narrative"]:
            self.add(markdown(r["narrative"], 2), "")
        for group in r["groups"]:
            self.add(f"### {text(group['title'])}", "")
            if group.get("draft", {}).get("items"):
                self.excerpts(group["draft"])
            if group["items"]:
                self.add(f"*{text(_('Evidence: the coded posts'))}*", "")
            for quote in group["items"]:
                self.quote(quote)
            if group.get("quoted_above"):
                refs = ", ".join(self.ref(p) for p in group["quoted_above"])
                self.add(text(quoted_above()) + refs, "")
            if group["not_quoted"]:
                self.add(text(not_quoted(group["not_quoted"])), "")
        if not r["groups"] and not r["narrative"]:
            self.add(text(_("No post has been coded as a recommendation.")), "")

    def appendix(self) -> None:
        m = self.doc["methodology"]
        self.add(f"## {_('Methodology')}", "", *(text(p) + "\n" for p in m["how_it_ran"]))
        mod = m["moderation"]
        self.add(f"### {_('Moderation')}", "")
        self.add(f"| {_('Posts')} | {_('Count')} |", "|---|---:|")
        self.add(*(f"| {text(status_words(k))} | {v} |" for k, v in mod["posts_by_status"].items()))
        self.add(f"| {text(_('flags raised'))} | {mod['flags']} |", "")
        if mod["actions"]:
            self.add(f"| {_('Moderation action')} | {_('Count')} |", "|---|---:|")
            self.add(*(f"| {text(k)} | {v} |" for k, v in mod["actions"].items()), "")
        self.add(f"### {_('How the analysis works')}", "", *(text(p) + "\n" for p in m["analysis"]))
        self.add(f"### {_('Limits')}", "", *(f"- {text(p)}" for p in m["limits"]), "")
        self.add(f"## {_('Participating organisations')}", "")
        orgs = self.doc["organisations"]
        none = _("None listed (organisations appear only with their members' consent).")
        self.add(*(f"- {text(o)}" for o in orgs) if orgs else [text(none)])


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    with in_language(document, options.catalogues):
        return MarkdownWriter(document, options).write().encode("utf-8")
