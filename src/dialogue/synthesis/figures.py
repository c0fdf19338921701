"""The report's figures, each computed from the posts and carrying the ids it rests on.

Groups of people (by constituency, region, country) are shown only with at least
`MIN_GROUP` people in them, so a figure never singles anyone out.

People are counted from their own-name posts only. An anonymous post counts as a post and
nothing more: its author's person, country, region, role and organisation reach no figure,
so no figure can tie anonymous posts to one another or to someone who also posts by name,
and every format is the same whoever wrote them (tests/synthesis/test_anonymity.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from dialogue.i18n import gettext as _
from dialogue.synthesis.consent import NAMED, consented_member
from dialogue.synthesis.regions import region_name, region_of
from dialogue.synthesis.source import Person, ReportSource, SourcePost

MIN_GROUP = 5
WEEKLY_AFTER_DAYS = 120  # longer dialogues are charted by week, so bars stay readable


def constituency_label(value: str | None) -> str:
    """A profile's constituency in words: its short codes named, free text as written."""
    if not value or not value.strip():
        return _("Not stated")
    value = value.strip()
    # Profiles may store a constituency as a short code; the report names it in words.
    known = {
        "womens_rights_org": _("Women's-rights organisation"),
        "men_and_boys_programme": _("Programme working with men and boys"),
        "researcher": _("Researcher"),
        "funder": _("Funder"),
        "government": _("Government"),
        "other": _("Other"),
    }
    if value in known:
        return known[value]
    return value.replace("_", " ").capitalize() if value.islower() else value


def role_label(role: str | None) -> str:
    """A member's role as the charts name it; anonymous posts are their own bucket."""
    return {
        "organizer": _("organizer"),
        "moderator": _("moderator"),
        "advisor": _("advisor"),
        "expert": _("expert"),
        "participant": _("participant"),
        "observer": _("observer"),
        None: _("former member"),
    }.get(role, role or "")


def figure(key: str, label: str, value: int, post_ids: Iterable[int]) -> dict[str, Any]:
    return {"key": key, "label": label, "value": value, "post_ids": sorted(set(post_ids))}


def own_name_posts(
    posts: Iterable[SourcePost], source: ReportSource
) -> Iterator[tuple[SourcePost, Person]]:
    """Each post written under its author's own name, with that author: the only posts
    whose author any figure may count. An anonymous post never reaches its author's groups,
    even in aggregate."""
    for post in posts:
        person = source.people.get(post.author_id) if post.author_id is not None else None
        if person is not None and not post.anonymous:
            yield post, person


def named_organisations(posts: Sequence[SourcePost], source: ReportSource) -> set[str]:
    """Organisations of authors who consented to be named, through their own-name posts only:
    someone who wrote only anonymously is never listed, not even by organisation."""
    return {
        person.organization.strip()
        for _post, person in own_name_posts(posts, source)
        if person.quote_consent == NAMED and person.organization.strip()
    }


def organisations(source: ReportSource) -> list[str]:
    names = named_organisations(source.posts, source)
    return sorted(names, key=lambda n: (n.casefold(), n))


def post_figures(posts: Sequence[SourcePost], source: ReportSource) -> list[dict[str, Any]]:
    """Participants, posts, threads, countries, organisations and active days of these posts.

    Participants and countries come from own-name posts only; anonymous posts are a number
    of posts, never of people.
    """
    ids = [p.id for p in posts]
    own_name = [p.id for p in posts if not p.anonymous]
    anonymous = [p.id for p in posts if p.anonymous]
    people = {person.id: person for _post, person in own_name_posts(posts, source)}
    countries = {person.country for person in people.values() if person.country}
    named_orgs = named_organisations(posts, source)
    counted, label = len(people), _("Participants (posting under their own name)")
    if source.imported_from_polis:
        # In Pol.is, voting is taking part: the voters are the conversation's participants.
        theirs = set(ids)
        voters = {user for post_id, user, _kind in source.reactions if post_id in theirs}
        # Statement authors too; not the conversation's own account, which opened it.
        authors = {person.id for post, person in own_name_posts(posts, source) if post.polis_id}
        counted = len(voters | authors)
        label = _("Participants (who voted or wrote statements)")
    return [
        figure("participants", label, counted, own_name),
        figure("posts", _("Posts"), len(posts), ids),
        figure(
            "anonymous_posts",
            _("Anonymous posts (their authors are not counted)"),
            len(anonymous),
            anonymous,
        ),
        figure("threads", _("Threads"), len({p.thread_id for p in posts}), ids),
        figure("countries", _("Countries"), len(countries), own_name),
        figure("organisations", _("Organisations (named with consent)"), len(named_orgs), own_name),
        figure("active_days", _("Active days"), len({p.created_at.date() for p in posts}), ids),
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
    for post, person in own_name_posts(source.posts, source):
        if not consented_member(person):
            continue
        keys = {
            "constituency": constituency_label(person.constituency),
            "region": region_name(region_of(person.country)),
        }
        for dimension, (people, posts) in by.items():
            people[keys[dimension]].add(person.id)
            posts[keys[dimension]].append(post.id)
    return {name: _grouped(people, posts) for name, (people, posts) in by.items()}


def participants_by_region(source: ReportSource) -> dict[str, Any]:
    """People by their profile's region, through their own-name posts only."""
    people: dict[str, set[int]] = defaultdict(set)
    posts: dict[str, list[int]] = defaultdict(list)
    for post, person in own_name_posts(source.posts, source):
        region = region_name(region_of(person.country))
        people[region].add(person.id)
        posts[region].append(post.id)
    return _grouped(people, posts)


def contributions_by_role(source: ReportSource) -> list[dict[str, Any]]:
    """Posts by the author's role; anonymous posts in their own bucket, never under a role."""
    posts: dict[str, list[int]] = defaultdict(list)
    for post in source.posts:
        person = source.people.get(post.author_id or -1)
        if post.anonymous:
            key = _("anonymous posts")
        else:
            key = role_label(person.role if person else None)
        posts[key].append(post.id)
    rows = [{"group": k, "posts": len(v), "post_ids": sorted(v)} for k, v in posts.items()]
    return sorted(rows, key=lambda r: (-r["posts"], r["group"]))
