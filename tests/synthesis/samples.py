"""Report sources built in memory, for the pure tests (no database) and sample renderings."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from dialogue.synthesis.source import (
    Narrative,
    Person,
    ReportSource,
    SourcePost,
    SourceTheme,
)

THEMES = ("Accountability to women's movements", "Working with boys in schools")
TOPICS = (
    ["accountability", "funding", "feminist", "movements", "partnership", "trust"],
    ["schools", "teachers", "boys", "curriculum", "gender", "norms"],
    ["violence", "survivors", "safety", "shelters", "police", "justice"],
)
CONSENTS = ("named", "anonymous", "none", None)
COUNTRIES = ("KE", "FR", "BR", "IN", "US", "ZA")
CONSTITUENCIES = ("women's-rights organisation", "programme with men and boys", "researcher")
# Recommendations as moderators code them: for an audience, or for none in particular.
RECOMMENDATION_CODES = (
    ("Recommendation: funders",),
    ("Recommendation for women's-rights organisations",),
    ("Recommendation",),
)


def people(count: int, rng: random.Random) -> dict[int, Person]:
    return {
        i: Person(
            id=i,
            display_name=f"Person {i}",
            organization=f"Org {i % 7}",
            country=rng.choice(COUNTRIES),
            constituency=rng.choice(CONSTITUENCIES),
            quote_consent=CONSENTS[i % 4],
            role="participant",
        )
        for i in range(1, count + 1)
    }


def sample(
    n_posts: int = 120, n_people: int = 40, seed: int = 1, reactions: bool = True
) -> ReportSource:
    rng = random.Random(seed)
    themes = tuple(
        SourceTheme(
            id=i + 1,
            position=i,
            title=title,
            guiding_questions="1. What works?\n2. What fails?",
            summary="Moderators saw **much** here.",
            opens_at=datetime(2026, 3, 1 + 7 * i, tzinfo=UTC),
            closes_at=datetime(2026, 3, 8 + 7 * i, tzinfo=UTC),
        )
        for i, title in enumerate(THEMES)
    )
    crowd = people(n_people, rng)
    posts = tuple(
        SourcePost(
            id=i,
            theme_id=1 + i % 2,
            thread_id=1 + i % 10,
            thread_title=f"Thread title {1 + i % 10}",
            parent_id=None if i <= 10 else 1 + i % 10,
            author_id=rng.randint(1, n_people),
            anonymous=i % 13 == 0,
            quote_consent=None,
            text=" ".join(rng.choice(TOPICS[i % 3]) for _ in range(25)),
            created_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=3 * i),
            highlighted=i % 17 == 0,
            codes=RECOMMENDATION_CODES[i // 11 % 3] if i % 11 == 0 else (),
        )
        for i in range(1, n_posts + 1)
    )
    votes = []
    if reactions:
        for user in crowd:
            for post in posts:
                if rng.random() < 0.3:
                    votes.append(
                        (post.id, user, rng.choice(["agree", "agree", "disagree", "pass"]))
                    )
    return ReportSource(
        slug="sample",
        title="Accountability in work with men and boys",
        purpose="What makes work with men and boys accountable to women's movements?",
        moderation="post",
        state="draft",
        themes=themes,
        posts=posts,
        people=crowd,
        reactions=tuple(sorted(votes)),
        members_by_role={"participant": n_people, "organizer": 1},
        status_counts={"published": n_posts, "hidden": 2},
        moderation_actions={"post.hide": 2},
        flags=1,
        organizers=("Org 0",),
        narrative=Narrative(executive_summary="We learned *much*."),
        base_url="http://example.org",
    )
