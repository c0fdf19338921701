"""Where an unnamed quote comes from, told only as precisely as k-anonymity allows.

"A practitioner from Lesotho" names one person when one quotable person is from Lesotho.
So an origin is shown at the most precise level that holds at least `k` quotable people
(k = 5 unless the server says otherwise): the country, else its region, else nothing.
A constituency is added only when at least `k` quotable people share both it and the
origin shown. Quotable people are those with at least one quotable post under their own
name; an anonymous post's author is never counted, so it cannot tip a count either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from dialogue.i18n import gettext as _
from dialogue.synthesis.consent import country_name
from dialogue.synthesis.figures import constituency_label
from dialogue.synthesis.regions import UNSPECIFIED, region_name, region_of
from dialogue.synthesis.source import Person


@dataclass(frozen=True, slots=True)
class Origins:
    k: int
    countries: Counter[str]
    regions: Counter[str]
    pairs: Counter[tuple[str, str]]  # (place shown, constituency)

    @classmethod
    def of(cls, people: Iterable[Person], k: int) -> Origins:
        crowd = list(people)
        countries = Counter(p.country.upper() for p in crowd if p.country)
        regions = Counter(region_of(p.country) for p in crowd)
        partial = cls(k=k, countries=countries, regions=regions, pairs=Counter())
        pairs = Counter(
            (partial.place(p), constituency_label(p.constituency)) for p in crowd if p.constituency
        )
        return cls(k=k, countries=countries, regions=regions, pairs=pairs)

    def place(self, person: Person) -> str:
        """The country, the region or "" (nothing), whichever is the most precise safe one."""
        code = (person.country or "").upper()
        if code and self.countries[code] >= self.k:
            return country_name(code) or ""
        region = region_of(person.country)
        if region != UNSPECIFIED and self.regions[region] >= self.k:
            return region_name(region)
        return ""

    def label(self, person: Person, polis: bool = False) -> str:
        """ "A practitioner from Kenya (Researcher)"; in a Pol.is import, "A participant"."""
        place = self.place(person)
        if polis:
            text = _("A participant from %(place)s") if place else _("A participant")
        else:
            text = _("A practitioner from %(place)s") if place else _("A practitioner")
        text = text % {"place": place} if place else text
        constituency = constituency_label(person.constituency)
        shown = bool(person.constituency and person.constituency.strip())
        if shown and self.pairs[(place, constituency)] >= self.k:
            text += f" ({constituency})"
        return text

    def level(self, person: Person) -> str:
        """How precise `place` is for this person, for the editors' review list."""
        place = self.place(person)
        if not place:
            return _("none")
        return _("region") if place == region_name(region_of(person.country)) else _("country")
