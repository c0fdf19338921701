"""Charts drawn as SVG by hand: inline in HTML and PDF (no script, no file), PNG for DOCX.

The SVG is plain enough for WeasyPrint and for cairosvg, which turns it into the PNG a
word processor can show.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from dialogue.i18n import gettext as _
from dialogue.i18n import ngettext

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH = 640
FONT = "DejaVu Sans, Noto Sans CJK SC, sans-serif"


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" font-family="{FONT}" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="#222222">{escape(text)}</text>'
    )


def per_unit_title(unit: str) -> str:
    return _("Posts per week, by theme") if unit == "week" else _("Posts per day, by theme")


def region_title() -> str:
    return _("Participants by region")


def role_title() -> str:
    return _("Contributions by role (posts)")


def posts_per_day_svg(chart: dict[str, Any]) -> str:
    """Stacked bars, one per day or week, one colour per theme, with a legend below."""
    buckets, themes = chart["buckets"], chart["themes"]
    title = per_unit_title(chart["unit"])
    if not buckets:
        return _svg(40, title, [_text(10, 24, _("No published posts yet."))])
    top, left, plot_h, plot_w = 24, 40, 180, WIDTH - 60
    peak = max(sum(b["counts"]) for b in buckets) or 1
    bar_w = plot_w / len(buckets)
    body = [_text(left, 14, title, size=12)]
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#dddddd" stroke-width="1"/>'
        )
        body.append(_text(left - 4, y + 4, str(tick), anchor="end", size=9))
    for i, bucket in enumerate(buckets):
        y = top + plot_h
        for t, count in enumerate(bucket["counts"]):
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            body.append(
                f'<rect x="{left + i * bar_w + 0.5:.1f}" y="{y:.1f}" '
                f'width="{max(bar_w - 1, 0.5):.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[t % len(PALETTE)]}"/>'
            )
    body.append(_text(left, top + plot_h + 14, buckets[0]["start"], size=9))
    body.append(_text(left + plot_w, top + plot_h + 14, buckets[-1]["start"], "end", size=9))
    y = top + plot_h + 32
    for t, theme in enumerate(themes):
        body.append(
            f'<rect x="{left}" y="{y - 9}" width="10" height="10" '
            f'fill="{PALETTE[t % len(PALETTE)]}"/>'
        )
        body.append(_text(left + 16, y, theme["title"][:90]))
        y += 16
    return _svg(int(y), title, body)


def bars_svg(title: str, rows: list[tuple[str, int]], note: str = "") -> str:
    """Horizontal bars with their values, for counts by region or by role."""
    if not rows:
        body = [_text(10, 16, title, size=12), _text(10, 34, note or _("No data."))]
        return _svg(44, title, body)
    label_w, top, bar_h = 220, 26, 18
    peak = max(value for _label, value in rows) or 1
    body = [_text(10, 14, title, size=12)]
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + 6)
        w = (WIDTH - label_w - 60) * value / peak
        body.append(_text(label_w - 6, y + 13, label[:40], anchor="end"))
        body.append(
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[0]}"/>'
        )
        body.append(_text(label_w + w + 4, y + 13, str(value)))
    height = top + len(rows) * (bar_h + 6) + (18 if note else 4)
    if note:
        body.append(_text(10, height - 6, note, size=9))
    return _svg(height, title, body)


def region_svg(chart: dict[str, Any]) -> str:
    rows = [(g["group"], g["people"]) for g in chart["groups"]]
    people = chart["suppressed_people"]
    note = (
        ngettext(
            "%(num)s person in regions with fewer than %(k)s participants is not shown.",
            "%(num)s people in regions with fewer than %(k)s participants are not shown.",
            people,
        )
        % {"num": people, "k": chart["min_group"]}
        if people
        else ""
    )
    return bars_svg(region_title(), rows, note)


def role_svg(rows: list[dict[str, Any]]) -> str:
    return bars_svg(role_title(), [(r["group"], r["posts"]) for r in rows])


def all_charts(document: dict[str, Any]) -> dict[str, str]:
    """Each chart as SVG, its words (`alt_texts`) in its `desc` for screen readers."""
    charts = document["at_a_glance"]["charts"]
    drawn = {
        "posts_per_day": posts_per_day_svg(charts["posts_per_day"]),
        "participants_by_region": region_svg(charts["participants_by_region"]),
        "contributions_by_role": role_svg(charts["contributions_by_role"]),
    }
    alts = alt_texts(document)
    return {
        name: svg.replace("</title>", f"</title><desc>{escape(alts[name])}</desc>", 1)
        for name, svg in drawn.items()
    }


def alt_texts(document: dict[str, Any]) -> dict[str, str]:
    """Each chart in words, for readers who cannot see it (the DOCX images' alt text)."""
    charts = document["at_a_glance"]["charts"]
    days = charts["posts_per_day"]
    if days["buckets"]:
        counts = [sum(b["counts"]) for b in days["buckets"]]
        busiest = max(range(len(counts)), key=lambda i: (counts[i], -i))
        values = {
            "title": per_unit_title(days["unit"]),
            "num": sum(counts),
            "start": days["buckets"][0]["start"],
            "end": days["buckets"][-1]["start"],
            "busiest": days["buckets"][busiest]["start"],
            "most": counts[busiest],
        }
        per_day = (
            _("%(title)s: %(num)s posts from %(start)s to %(end)s; the busiest week began "
              "%(busiest)s (%(most)s posts).")
            if days["unit"] == "week"
            else _("%(title)s: %(num)s posts from %(start)s to %(end)s; the busiest day was "
                   "%(busiest)s (%(most)s posts).")
        ) % values  # fmt: skip
    else:
        per_day = _("Posts per day: no published posts yet.")
    regions = charts["participants_by_region"]
    shown = "; ".join(f"{g['group']} {g['people']}" for g in regions["groups"])
    by_region = f"{region_title()}: {shown or _('none shown')}"
    if regions["suppressed_people"]:
        by_region += "; " + ngettext(
            "%(num)s person in smaller groups not shown",
            "%(num)s people in smaller groups not shown",
            regions["suppressed_people"],
        ) % {"num": regions["suppressed_people"]}
    roles = "; ".join(f"{r['group']} {r['posts']}" for r in charts["contributions_by_role"])
    by_role = f"{role_title()}: {roles or _('none')}"
    return {
        "posts_per_day": per_day,
        "participants_by_region": by_region + ".",
        "contributions_by_role": by_role + ".",
    }


def to_png(svg: str) -> bytes:
    import cairosvg

    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=WIDTH * 2)
    return png
