"""Identity-safe quoting: what a quote may carry of who and where people are.

The one detector is the safety work's (`safety.disclosure.identities`); this decides, per
quote, which of its spans give way to a placeholder and says why, for the review list:

- a quote not attributed by name ("A practitioner", "Anonymous participant") loses every
  span found: names and first names of members, organisations of members, cities and
  towns, named schools, e-mail addresses, phone numbers, street addresses, and the names
  and phrases the organizers listed;
- a quote under its author's name keeps what its author consented to show, but loses the
  names of everyone not quoted by name (a first name shared with such a person counts as
  theirs) and the organizers' listed names and phrases (an accused person, a child).

Placeholders and reasons are in the report's language, as the rest of its own words are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dialogue.i18n import gettext as _
from dialogue.safety.disclosure import Reason, Rule, Rules, first_name, fold, identities

# What each kind of span gives way to: the keys of `placeholders`.
KIND = {
    Rule.MEMBER_NAME: "name",
    Rule.WATCH_LIST: "name",
    Rule.PHRASE: "name",
    Rule.MEMBER_DETAIL: "name",
    Rule.ORGANISATION: "organisation",
    Rule.PLACE: "place",
    Rule.SCHOOL: "place",
    Rule.ADDRESS: "place",
    Rule.EMAIL: "contact",
    Rule.PHONE: "contact",
}


def placeholders() -> dict[str, str]:
    """The neutral words a redacted span becomes, in the report's language."""
    return {
        "name": _("[name]"),
        "organisation": _("[organisation]"),
        "place": _("[place]"),
        "contact": _("[contact]"),
    }


def placeholder(rule: Rule) -> str:
    return placeholders()[KIND[rule]]


def reason_words(rule: Rule) -> str:
    """Why a span was redacted, for the editors' review list."""
    return {
        Rule.MEMBER_NAME: _("the name of a member"),
        Rule.WATCH_LIST: _("a name on the dialogue's watch list"),
        Rule.PHRASE: _("a phrase on the dialogue's watch list"),
        Rule.MEMBER_DETAIL: _("the name of a member"),
        Rule.ORGANISATION: _("the organisation of a member"),
        Rule.PLACE: _("a city or town"),
        Rule.SCHOOL: _("a named school"),
        Rule.ADDRESS: _("a street address"),
        Rule.EMAIL: _("an e-mail address"),
        Rule.PHONE: _("a phone number"),
    }[rule]


# What a quote under its author's name still loses (besides others' names).
ALWAYS = frozenset({Rule.WATCH_LIST, Rule.PHRASE})


def _names(display_name: str) -> set[str]:
    full = " ".join(fold(display_name).split())
    return {n for n in (full, first_name(display_name)) if n}


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    redactions: tuple[dict[str, Any], ...]


class Redactor:
    """One report's redaction: the dialogue's rules, and the names its named quotes keep."""

    def __init__(self, rules: Rules, named: Iterable[str]) -> None:
        self.rules = rules
        named_list = list(named)
        others = Counter(rules.member_names)
        others.subtract(named_list)
        hidden = {n for name, count in others.items() if count > 0 for n in _names(name)}
        # A named person's names, unless someone not quoted by name shares one of them.
        self.spared = frozenset(n for name in named_list for n in _names(name)) - hidden

    def _kept(self, text: str, reason: Reason) -> bool:
        """In a quote under its author's name: whether this span stays as written."""
        if reason.rule in ALWAYS:
            return False
        if reason.rule == Rule.MEMBER_NAME:
            return " ".join(fold(text[reason.start : reason.end]).split()) in self.spared
        return True

    def redact(self, text: str, *, named: bool) -> Redacted:
        reasons = [r for r in identities(text, self.rules) if not (named and self._kept(text, r))]
        out: list[str] = []
        done: list[dict[str, Any]] = []
        at = 0
        for reason in reasons:
            instead = placeholder(reason.rule)
            out += [text[at : reason.start], instead]
            done.append(
                {
                    "kind": reason.rule.value,
                    "placeholder": instead,
                    "reason": reason_words(reason.rule),
                    "text": text[reason.start : reason.end],
                }
            )
            at = reason.end
        out.append(text[at:])
        return Redacted("".join(out), tuple(done))

    def label(self, text: str) -> str:
        """A sub-theme's label or term, drawn from everyone's words, as an unnamed quote
        would show it; labels are often lower case, so each word is read as capitalised."""
        probe = " ".join(word[:1].upper() + word[1:] for word in text.split(" "))
        out, at = [], 0
        for reason in identities(probe, self.rules):
            out += [text[at : reason.start], placeholder(reason.rule)]
            at = reason.end
        return "".join([*out, text[at:]])
