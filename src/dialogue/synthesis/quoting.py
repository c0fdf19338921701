"""Which posts make good quotes: ones that stand alone, by participants, each used once.

An editor of a synthesis report quotes a post so that a reader who never saw the thread
understands it. A reply that opens by addressing someone ("Omar, I agree...") or by
pointing back ("She is, through our partner...") means little alone and names people;
a moderator's or organizer's post is a prompt, not a participant's view; a fragment of a
few words says nothing. None of these is chosen automatically (moderators' highlights
stay as they chose them). Among what remains, quotes are spread over regions and
constituencies where the posts allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from dialogue.synthesis.figures import constituency_label
from dialogue.synthesis.regions import region_of
from dialogue.synthesis.source import Person, ReportSource, SourcePost

MIN_WORDS = 12
STAFF_ROLES = frozenset({"moderator", "organizer"})
_GREETING = re.compile(
    r"^\W*(?:@\w+|dear\b|hi\b|hello\b|thanks?\b|thank you\b|merci\b|gracias\b|obrigad[oa]\b"
    r"|bonjour\b|hola\b|ol[aá]\b|querid[oa]s?\b|cher\b|ch[eè]re\b)",
    re.IGNORECASE,
)
# Openers that point back at the post being answered.
_BACK = frozenset(
    [
        "she",
        "he",
        "they",
        "it",
        "this",
        "that",
        "these",
        "those",
        "yes",
        "no",
        "exactly",
        "indeed",
        "agreed",
        "agree",
        "absolutely",
        "true",
        "right",
        "same",
        "also",
        "elle",
        "il",
        "ils",
        "elles",
        "cela",
        "ça",
        "oui",
        "non",
        "exactement",
        "ella",
        "él",
        "ellos",
        "ellas",
        "eso",
        "esto",
        "sí",
        "ela",
        "ele",
        "eles",
        "isso",
        "sim",
    ]
)
_OPENING = re.compile(r"^\W*([^\W\d_]+(?:[ '-][^\W\d_]+)?)\s*([,:;!—–-])?")


def first_names(people: Iterable[Person]) -> frozenset[str]:
    """Every member's first name and full display name, folded, to spot an address."""
    names: set[str] = set()
    for person in people:
        full = " ".join(person.display_name.split()).casefold()
        if full:
            names.add(full)
            first = full.split()[0]
            if len(first) >= 2:
                names.add(first)
    return frozenset(names)


def stands_alone(post: SourcePost, names: frozenset[str]) -> bool:
    text = post.text.strip()
    if len(text.split()) < MIN_WORDS or _GREETING.match(text):
        return False
    opening = _OPENING.match(text)
    if opening is None:
        return True
    words = opening.group(1).casefold()
    first = words.split()[0]
    if opening.group(2) and (words in names or first in names):
        return False  # "Omar, I agree", "Amina Wanjiru: yes"
    return not (post.parent_id is not None and first in _BACK)


def is_staff(post: SourcePost, source: ReportSource) -> bool:
    """Whether the post speaks for the dialogue (a moderator's, an organizer's, or its
    theme's facilitator's), so that the report does not quote it as a participant's view."""
    if post.anonymous or post.author_id is None:
        return False
    person = source.people.get(post.author_id)
    if person is not None and person.role in STAFF_ROLES:
        return True
    return (post.theme_id, post.author_id) in source.facilitators


def spread(
    ranked: Sequence[int], count: int, source: ReportSource, by_id: dict[int, SourcePost]
) -> list[int]:
    """`count` of the ranked posts, best first, preferring a region and constituency not
    yet heard; an anonymous post's author is never looked at (it counts as unknown)."""

    def origin(post_id: int) -> tuple[str, str]:
        post = by_id[post_id]
        person = source.people.get(post.author_id) if post.author_id is not None else None
        if post.anonymous or person is None:
            return ("", "")
        return (region_of(person.country), constituency_label(person.constituency))

    chosen: list[int] = []
    heard: set[str] = set()
    for pass_ in (0, 1):
        for post_id in ranked:
            if len(chosen) >= count:
                return chosen
            if post_id in chosen:
                continue
            region, constituency = origin(post_id)
            new = not region or (region not in heard and constituency not in heard)
            if pass_ == 1 or new:
                chosen.append(post_id)
                heard.update(x for x in (region, constituency) if x)
    return chosen
