"""How, and whether, a post may be quoted. Fails closed: no known consent, no quote.

A participant chooses in their profile (named, anonymous, none); that current choice
governs every report. A post may only narrow it for itself (CONTRACT.md, "Consent to be
quoted"): a post's "named" under a profile's "none" is still "none", so withdrawing consent
in the profile withdraws it everywhere at once. An anonymous post never reveals its author,
whatever the consent says.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError

from dialogue.i18n import current_language
from dialogue.i18n import gettext as _
from dialogue.synthesis.source import Person, SourcePost

NAMED = "named"
ANONYMOUS = "anonymous"
NONE = "none"
QUOTABLE = frozenset({NAMED, ANONYMOUS})
# From the narrowest to the widest: a post's choice counts only where it is narrower.
BREADTH = {NONE: 0, ANONYMOUS: 1, NAMED: 2}


def narrowest(*choices: str | None) -> str | None:
    """The narrowest of the known choices; unknown (None or an unexpected value) is none."""
    if any(c not in BREADTH for c in choices):
        return None
    return min(choices, key=lambda c: BREADTH[c or NONE])


def narrows(before: str | None, after: str | None) -> bool:
    """Whether `after` allows less than `before` (unset counts as none)."""
    return BREADTH.get(after or NONE, 0) < BREADTH.get(before or NONE, 0)


@dataclass(frozen=True, slots=True)
class Attribution:
    quotable: bool
    label: str  # empty when the post may not be quoted
    unnamed: bool = False  # quotable without a name: the report says where from, if safe


NOT_QUOTABLE = Attribution(quotable=False, label="")


def country_name(code: str | None) -> str | None:
    """The country's name in the language being written (the report's)."""
    return _country_name(code, current_language()) if code else None


@lru_cache(maxsize=2048)
def _country_name(code: str, language: str) -> str | None:
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    name = locale.territories.get(code.upper())
    return str(name) if name else None


def effective_consent(post: SourcePost, author: Person | None) -> str | None:
    """The author's current choice, narrowed by the post's own if it made one."""
    if author is None:
        return None
    if post.quote_consent:
        return narrowest(author.quote_consent, post.quote_consent)
    return author.quote_consent


def attribution(post: SourcePost, author: Person | None) -> Attribution:
    consent = effective_consent(post, author)
    if consent not in QUOTABLE:
        return NOT_QUOTABLE
    if post.anonymous or author is None:
        return Attribution(quotable=True, label=_("Anonymous participant"))
    if consent == NAMED:
        name = author.display_name.strip()
        org = author.organization.strip()
        return Attribution(quotable=True, label=f"{name}, {org}" if org else name)
    # Where they are from is added by the report, as precisely as k-anonymity allows
    # (`origins`): a country alone can point to one person.
    return Attribution(quotable=True, label=_("A practitioner"), unnamed=True)


def consented_member(person: Person) -> bool:
    """Counted in "who spoke" only with a known yes (named or anonymous)."""
    return person.quote_consent in QUOTABLE
