"""The lists a profile offers: countries named in the reader's language, and time zones.

The validators in `accounts.schemas` accept exactly these codes (and, for zones, the rest
of the IANA database an API client may send), so a choice the page offers is never refused.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

from dialogue.accounts.schemas import country_codes, timezones

# The IANA areas whose zones are named Area/City; "Etc/GMT+3" and the old aliases
# ("US/Eastern", "Cuba") are left out of the list a person scrolls.
_AREAS = frozenset(
    {
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    }
)


def _sort_key(name: str) -> str:
    """Alphabetical for readers of fr/es/pt too: "Égypte" sorts with the E's."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16)
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """(ISO code, name in `language`) for every country, sorted by that name."""
    names = Locale.parse(language).territories
    english = Locale("en").territories
    pairs = [(code, str(names.get(code) or english.get(code) or code)) for code in country_codes()]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))


@lru_cache(maxsize=1)
def offered_timezones() -> tuple[str, ...]:
    """UTC first, then every Area/City zone in alphabetical order."""
    zones = sorted(z for z in timezones() if z.split("/", 1)[0] in _AREAS and "/" in z)
    return ("UTC", *zones)
