"""A published report as today's consent allows: the frozen document, narrowed.

Publication freezes the report's analysis and wording, but not anyone's consent: a person
who withdraws it (or a post that is hidden or deleted) after publication must vanish from
the report everyone reads and downloads from then on. So every read of the snapshot passes
through here, against the dialogue as it is now. It only ever takes away: words, names and
organisations that the snapshot did not show are never added. Quoted words are redacted
again under today's rules (`Builder.words`): a quote that lost its author's name loses
what only a named quote may keep, and a person no longer quoted by name loses their name
in every quote; redacting redacted words only replaces more of them.
"""

from __future__ import annotations

import copy
from typing import Any

from dialogue.synthesis.figures import named_organisations
from dialogue.synthesis.source import ReportSource

QUOTE_KEYS = frozenset({"post_id", "thread_id", "text", "attribution", "date"})
EXCERPT_KEYS = frozenset({"post_id", "text"})  # a key message drawn from a post


def _is_quote(value: Any) -> bool:
    return isinstance(value, dict) and (value.keys() >= QUOTE_KEYS or value.keys() == EXCERPT_KEYS)


def under_current_consent(document: dict[str, Any], source: ReportSource) -> dict[str, Any]:
    """`document` (a snapshot) without what `source` (the dialogue now) no longer allows."""
    # Imported here, as in `pipeline`: the analysis pulls in scikit-learn.
    from dialogue.synthesis.assembly import Builder, thread_label

    now = Builder(source)

    def requote(quote: dict[str, Any]) -> dict[str, Any] | None:
        post_id = quote["post_id"]
        if post_id not in now.quotable:
            return None
        requoted = {**quote, "text": now.words(post_id, quote["text"])}
        if "attribution" in quote:
            requoted["attribution"] = now.attributions[post_id].label
        return requoted

    def narrowed(value: Any) -> Any:
        if isinstance(value, list):
            kept = (requote(v) if _is_quote(v) else narrowed(v) for v in value)
            return [v for v in kept if v is not None]
        if isinstance(value, dict):
            return {k: requote(v) if _is_quote(v) else narrowed(v) for k, v in value.items()}
        return value

    result: dict[str, Any] = narrowed(copy.deepcopy(document))
    for row in result.get("posts", []):
        quoted = bool(row.get("quoted")) and row["id"] in now.quotable
        attribution = now.attributions.get(row["id"])
        row["quoted"] = quoted
        row["text"] = now.words(row["id"], row["text"]) if quoted else ""
        row["author"] = attribution.label if attribution is not None and quoted else ""
        if row["thread"] != now.thread_titles.get(row["thread_id"]):  # its opener withdrew
            row["thread"] = thread_label(row["thread_id"])
    named = named_organisations(source.posts, source)
    result["organisations"] = [o for o in result.get("organisations", []) if o in named]
    dialogue = result.get("dialogue", {})
    if "organizers" in dialogue:
        dialogue["organizers"] = [o for o in dialogue["organizers"] if o in source.organizers]
    return result
