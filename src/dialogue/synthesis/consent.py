"""How, and whether, a post may be quoted. Fails closed: no known consent, no quote.

A participant chooses in their profile (named, anonymous, none) and may choose differently
for one post. An anonymous post never reveals its author, whatever the consent says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale

from dialogue.synthesis.source import Person, SourcePost

NAMED = "named"
ANONYMOUS = "anonymous"
ANONYMOUS_POST = "Anonymous participant"
QUOTABLE = frozenset({NAMED, ANONYMOUS})


@dataclass(frozen=True, slots=True)
class Attribution:
    quotable: bool
    label: str  # empty when the post may not be quoted


NOT_QUOTABLE = Attribution(quotable=False, label="")


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    if not code:
        return None
    name = Locale("en").territories.get(code.upper())
    return str(name) if name else None


def effective_consent(post: SourcePost, author: Person | None) -> str | None:
    """The post's own choice if it made one, else the author's profile, else unknown."""
    if post.quote_consent:
        return post.quote_consent
    return author.quote_consent if author is not None else None


def attribution(post: SourcePost, author: Person | None) -> Attribution:
    consent = effective_consent(post, author)
    if consent not in QUOTABLE:
        return NOT_QUOTABLE
    if post.anonymous or author is None:
        return Attribution(quotable=True, label=ANONYMOUS_POST)
    if consent == NAMED:
        name = author.display_name.strip()
        org = author.organization.strip()
        return Attribution(quotable=True, label=f"{name}, {org}" if org else name)
    where = country_name(author.country)
    label = f"A practitioner from {where}" if where else "A practitioner"
    return Attribution(quotable=True, label=label)


def consented_member(person: Person) -> bool:
    """Counted in "who spoke" only with a known yes (named or anonymous)."""
    return person.quote_consent in QUOTABLE
