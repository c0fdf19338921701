"""The report's figures, each computed from the posts and carrying the ids it rests on.

Groups of people (by constituency, region, country) are shown only with at least
`MIN_GROUP` people in them, so a figure never singles anyone out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from dialogue.synthesis.consent import NAMED, consented_member
from dialogue.synthesis.regions import region_of
from dialogue.synthesis.source import Person, ReportSource, SourcePost

MIN_GROUP = 5
WEEKLY_AFTER_DAYS = 120  # longer dialogues are charted by week, so bars stay readable
ANONYMOUS_BUCKET = "anonymous posts"


# Profiles may store a constituency as a short code; the report names it in words.
CONSTITUENCY_LABELS = {
    "womens_rights_org": "Women's-rights organisation",
    "men_and_boys_programme": "Programme working with men and boys",
    "researcher": "Researcher",
    "funder": "Funder",
    "government": "Government",
    "other": "Other",
}


def constituency_label(value: str | None) -> str:
    if not value or not value.strip():
        return "Not stated"
    value = value.strip()
    if value in CONSTITUENCY_LABELS:
        return CONSTITUENCY_LABELS[value]
    return value.replace("_", " ").capitalize() if value.islower() else value


def figure(key: str, label: str, value: int, post_ids: Iterable[int]) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "post_ids": sorted(set(post_ids))}


def named_organisations(posts: Sequence[SourcePost], source: ReportSource) -> set[str]:
    """Organisations of authors who consented to be named, through their own-name posts only:
    someone who wrote only anonymously is never listed, not even by organisation."""
    names = set()
    for post in posts:
        person = source.people.get(post.author_id or -1)
        if post.anonymous or person is None or person.quote_consent != NAMED:
            continue
        if person.organization.strip():
            names.add(person.organization.strip())
    return names


def organisations(source: ReportSource) -> list[str]:
    names = named_organisations(source.posts, source)
    return sorted(names, key=lambda n: (n.casefold(), n))


def post_figures(posts: Sequence[SourcePost], source: ReportSource) -> list[dict[str, Any]]:
    """Participants, posts, threads, countries, organisations and active days of these posts."""
    ids = [p.id for p in posts]
    authors = {p.author_id for p in posts if p.author_id is not None}
    countries = {
        source.people[a].country for a in authors if a in source.people and source.people[a].country
    }
    named_orgs = named_organisations(posts, source)
    return [
        figure("participants", "Participants", len(authors), ids),
        figure("posts", "Posts", len(posts), ids),
        figure("threads", "Threads", len({p.thread_id for p in posts}), ids),
        figure("countries", "Countries", len(countries), ids),
        figure("organisations", "Organisations (named with consent)", len(named_orgs), ids),
        figure("active_days", "Active days", len({p.created_at.date() for p in posts}), ids),
    ]


def posts_per_day(source: ReportSource) -> dict[str, Any]:
    """A stacked series: one bucket per day (or week), one count per theme."""
    if not source.posts:
        return {"unit": "day", "buckets": [], "themes": []}
    first = min(p.created_at.date() for p in source.posts)
    last = max(p.created_at.date() for p in source.posts)
    weekly = (last - first).days > WEEKLY_AFTER_DAYS
    step = 7 if weekly else 1

    def bucket(day: date) -> date:
        return first + timedelta(days=((day - first).days // step) * step)

    counts: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for post in source.posts:
        counts[bucket(post.created_at.date())][post.theme_id] += 1
    buckets = []
    day = first
    while day <= last:
        per_theme = counts.get(day, {})
        buckets.append(
            {"start": day.isoformat(), "counts": [per_theme.get(t.id, 0) for t in source.themes]}
        )
        day += timedelta(days=step)
    return {
        "unit": "week" if weekly else "day",
        "themes": [{"id": t.id, "title": t.title} for t in source.themes],
        "buckets": buckets,
    }


def _grouped(people: dict[str, set[int]], posts: dict[str, list[int]]) -> dict[str, Any]:
    shown: list[dict[str, Any]] = []
    hidden_people = 0
    for name in sorted(people):
        if len(people[name]) >= MIN_GROUP:
            shown.append(
                {
                    "group": name,
                    "people": len(people[name]),
                    "posts": len(posts[name]),
                    "post_ids": sorted(posts[name]),
                }
            )
        else:
            hidden_people += len(people[name])
    total = sum(g["posts"] for g in shown)
    for g in shown:
        g["share"] = round(g["posts"] / total, 3) if total else 0.0
    shown.sort(key=lambda g: (-g["posts"], g["group"]))
    return {"groups": shown, "suppressed_people": hidden_people, "min_group": MIN_GROUP}


def who_spoke(source: ReportSource) -> dict[str, Any]:
    """Share of voice by constituency and by region, of consenting members' own-name posts."""
    by: dict[str, tuple[dict[str, set[int]], dict[str, list[int]]]] = {
        "constituency": (defaultdict(set), defaultdict(list)),
        "region": (defaultdict(set), defaultdict(list)),
    }
    for post in source.posts:
        person = source.people.get(post.author_id) if post.author_id is not None else None
        # An anonymous post is never tied to its author's groups, even in aggregate.
        if post.anonymous or person is None or not consented_member(person):
            continue
        keys = {
            "constituency": constituency_label(person.constituency),
            "region": region_of(person.country),
        }
        for dimension, (people, posts) in by.items():
            people[keys[dimension]].add(person.id)
            posts[keys[dimension]].append(post.id)
    return {name: _grouped(people, posts) for name, (people, posts) in by.items()}


def participants_by_region(source: ReportSource) -> dict[str, Any]:
    people: dict[str, set[int]] = defaultdict(set)
    posts: dict[str, list[int]] = defaultdict(list)
    for post in source.posts:
        person: Person | None = source.people.get(post.author_id or -1)
        if person is None:
            continue
        region = region_of(person.country)
        people[region].add(person.id)
        posts[region].append(post.id)
    return _grouped(people, posts)


def contributions_by_role(source: ReportSource) -> list[dict[str, Any]]:
    """Posts by the author's role; anonymous posts in their own bucket, never under a role."""
    posts: dict[str, list[int]] = defaultdict(list)
    for post in source.posts:
        person = source.people.get(post.author_id or -1)
        if post.anonymous:
            key = ANONYMOUS_BUCKET
        else:
            key = (person.role if person else None) or "former member"
        posts[key].append(post.id)
    rows = [{"group": k, "posts": len(v), "post_ids": sorted(v)} for k, v in posts.items()]
    return sorted(rows, key=lambda r: (-r["posts"], r["group"]))
