"""Recommendations grouped by whom they are for, drafted from what moderators coded.

Moderators mark a post as a recommendation with a code whose name starts with
"Recommendation" (or *Recommandation*, *Recomendación*, *Recomendação*); the rest of the
name, after a colon, dash or "for", is its audience: "Recommendation: funders",
"Recommendation for programmes working with men and boys", "Recommandation : bailleurs".
So an editor tags a recommendation's audience in the codebook the moderators already use,
with no new field, and a post coded for two audiences counts for both.

Each audience gets a draft (the most representative, least repetitive sentences of its
posts, as a theme's key messages are drafted) while the recommendations text is unwritten,
clearly marked as a draft for the editors to rewrite, and the coded posts beneath it as
evidence. Posts coded "Recommendation" alone form the last group, audience not tagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from dialogue.i18n import gettext as _
from dialogue.synthesis import quoting
from dialogue.synthesis.keymessages import key_messages
from dialogue.synthesis.source import ReportSource, SourcePost


class Builder(Protocol):
    """What this needs of the report being assembled (`assembly.Builder`)."""

    source: ReportSource
    by_id: dict[int, SourcePost]
    quotable: frozenset[int]
    names: frozenset[str]
    used: set[int]

    def words(self, post_id: int, text: str) -> str: ...

    def quotes(self, post_ids: Sequence[int], limit: int) -> list[dict[str, Any]]: ...


RECOMMENDATION = re.compile(r"^(recom|recomm|recommand|recomend)", re.IGNORECASE)
# The code's first word ("Recommendations", "Recomendación"), then what separates it from
# the audience: punctuation, or a "for" in one of the dialogue languages.
_AUDIENCE = re.compile(
    r"^\w+\s*(?:[:\-–—/|(]\s*)?(?:(?:for|to|pour|para|aux?|à)\s+)?(?P<audience>.*?)\)?\s*$",
    re.IGNORECASE,
)
MAX_EVIDENCE = 30  # quotes per audience; the rest are counted
DRAFT_POSTS = 40  # the posts an audience's draft is drawn from
DRAFT_SENTENCES = 4


def audience_of(code: str) -> str | None:
    """The audience a code names ("" when none), or None when it is not a recommendation."""
    if not RECOMMENDATION.match(code.strip()):
        return None
    found = _AUDIENCE.match(" ".join(code.split()))
    return found.group("audience").strip(" :-–—") if found else ""


def _by_audience(b: Builder) -> dict[str, list[int]]:
    """Post ids per audience (folded for grouping, written as first seen), in post order."""
    groups: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for post in b.source.posts:
        audiences = {a for a in (audience_of(c) for c in post.codes) if a is not None}
        tagged = {a for a in audiences if a}
        for audience in sorted(tagged) or sorted(audiences):
            key = audience.casefold()
            names.setdefault(key, audience)
            groups.setdefault(names[key], []).append(post.id)
    return groups


def _draft(b: Builder, post_ids: list[int], narrative: str) -> dict[str, Any]:
    if narrative.strip():
        return {"note": "", "items": []}
    usable = [
        pid
        for pid in post_ids
        if pid in b.quotable
        and not quoting.is_staff(b.by_id[pid], b.source)
        and quoting.stands_alone(b.by_id[pid], b.names)
    ][:DRAFT_POSTS]
    found = key_messages(
        [(pid, b.words(pid, b.by_id[pid].text)) for pid in usable], DRAFT_SENTENCES
    )
    note = _(
        "Draft: sentences chosen automatically from the posts coded as recommendations for "
        "this audience. Rewrite them in the recommendations text; once it is written, this "
        "draft is no longer shown. The coded posts follow as evidence."
    )
    return {
        "note": note if found else "",
        "items": [{"post_id": pid, "text": sentence} for pid, sentence in found],
    }


def recommendations(b: Builder) -> dict[str, Any]:
    narrative = b.source.narrative.recommendations
    found = _by_audience(b)
    order = sorted((a for a in found if a), key=lambda a: (-len(found[a]), a.casefold(), a))
    groups = []
    for audience in order + ([""] if "" in found else []):
        ids = found[audience]
        consented = [pid for pid in ids if pid in b.quotable]
        draft = _draft(b, consented, narrative)
        above = [pid for pid in consented if pid in b.used]
        quoted = b.quotes(consented[:MAX_EVIDENCE], 800)
        groups.append(
            {
                "audience": audience,
                "title": (
                    _("For %(audience)s") % {"audience": audience}
                    if audience
                    else _("Audience not tagged")
                ),
                "theme_ids": sorted({b.by_id[pid].theme_id for pid in ids}),
                "draft": draft,
                "items": quoted,
                "quoted_above": above,
                "not_quoted": len(ids) - len(quoted) - len(above),
                "post_ids": ids,
            }
        )
    return {"narrative": narrative, "groups": groups}
