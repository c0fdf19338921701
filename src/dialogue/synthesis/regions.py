"""Countries grouped into regions (after the UN M49 regions), for charts that must not single out.

A country alone is often a group of one or two participants; a region rarely is.
"""

from __future__ import annotations

from dialogue.i18n import gettext as _

UNSPECIFIED = "Unspecified"

_REGIONS = {
    "Eastern and Southern Africa": (
        "AO BI BW CD DJ ER ET KE KM LS MG MU MW MZ NA RW SC SD SO SS SZ TZ UG ZA ZM ZW"
    ),
    "West and Central Africa": (
        "BF BJ CF CG CI CM CV GA GH GM GN GQ GW LR ML MR NE NG SL SN ST TD TG"
    ),
    "Middle East and North Africa": (
        "AE BH DZ EG EH IL IQ IR JO KW LB LY MA OM PS QA SA SY TN TR YE"
    ),
    "South Asia": "AF BD BT IN LK MV NP PK",
    "East and South-East Asia": "BN CN HK ID JP KH KP KR LA MM MN MO MY PH SG TH TL TW VN",
    "Pacific": "AU FJ FM KI MH NR NZ PG PW SB TO TV VU WS",
    "Central Asia and Caucasus": "AM AZ GE KG KZ TJ TM UZ",
    "Europe": (
        "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MD "
        "ME MK MT NL NO PL PT RO RS RU SE SI SK SM UA VA XK"
    ),
    "North America": "CA US",
    "Latin America and the Caribbean": (
        "AG AR BB BO BR BS BZ CL CO CR CU DM DO EC GD GT GY HN HT JM KN LC MX NI PA PE PY SR SV "
        "TT UY VC VE"
    ),
}

REGION_OF: dict[str, str] = {
    code: region for region, codes in _REGIONS.items() for code in codes.split()
}


def region_of(country: str | None) -> str:
    """The country's region, by its English name: the key the report groups people by."""
    if not country:
        return UNSPECIFIED
    return REGION_OF.get(country.upper(), UNSPECIFIED)


def region_name(region: str) -> str:
    """A region's name as the report shows it, in the report's language."""
    return {
        "Eastern and Southern Africa": _("Eastern and Southern Africa"),
        "West and Central Africa": _("West and Central Africa"),
        "Middle East and North Africa": _("Middle East and North Africa"),
        "South Asia": _("South Asia"),
        "East and South-East Asia": _("East and South-East Asia"),
        "Pacific": _("Pacific"),
        "Central Asia and Caucasus": _("Central Asia and Caucasus"),
        "Europe": _("Europe"),
        "North America": _("North America"),
        "Latin America and the Caribbean": _("Latin America and the Caribbean"),
        UNSPECIFIED: _("Unspecified"),
    }.get(region, region)
