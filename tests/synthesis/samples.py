"""A ReportSource built in memory for the pure tests and for rendering samples."""

import random
from datetime import datetime, timedelta, UTC
from dialogue.synthesis.source import *


def sample(n_posts=120, n_people=40, seed=1, reactions=True):
    r = random.Random(seed)
    themes = tuple(
        SourceTheme(
            id=i + 1,
            position=i,
            title=t,
            guiding_questions="1. What works?\n2. What fails?",
            summary="Moderators saw **much** here.",
            opens_at=datetime(2026, 3, 1 + 7 * i, tzinfo=UTC),
            closes_at=datetime(2026, 3, 8 + 7 * i, tzinfo=UTC),
        )
        for i, t in enumerate(
            ["Accountability to women's movements", "Working with boys in schools"]
        )
    )
    consents = ["named", "anonymous", "none", None]
    people = {
        i: Person(
            id=i,
            display_name=f"Person {i}",
            organization=f"Org {i % 7}",
            country=r.choice(["KE", "FR", "BR", "IN", "US", "ZA"]),
            constituency=r.choice(
                ["women's-rights organisation", "programme with men and boys", "researcher"]
            ),
            quote_consent=consents[i % 4],
            role="participant",
        )
        for i in range(1, n_people + 1)
    }
    words = [
        ("accountability funding feminist movements partnership trust".split()),
        ("schools teachers boys curriculum gender norms".split()),
        ("violence survivors safety shelters police justice".split()),
    ]
    posts = []
    for i in range(1, n_posts + 1):
        topic = words[i % 3]
        text = " ".join(r.choice(topic) for _ in range(25))
        posts.append(
            SourcePost(
                id=i,
                theme_id=1 + i % 2,
                thread_id=1 + i % 10,
                thread_title=f"Thread title {1 + i % 10}",
                parent_id=None if i <= 10 else 1 + i % 10,
                author_id=r.randint(1, n_people),
                anonymous=(i % 13 == 0),
                quote_consent=None,
                text=text,
                created_at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=3 * i),
                highlighted=(i % 17 == 0),
                codes=("Recommendation",) if i % 11 == 0 else (),
            )
        )
    reacts = []
    if reactions:
        for u in people:
            for p in posts:
                if r.random() < 0.3:
                    reacts.append((p.id, u, r.choice(["agree", "agree", "disagree", "pass"])))
    reacts.sort()
    return ReportSource(
        slug="s",
        title="Accountability in work with men and boys",
        purpose="Purpose.",
        moderation="post",
        state="draft",
        themes=themes,
        posts=tuple(posts),
        people=people,
        reactions=tuple(reacts),
        members_by_role={"participant": n_people, "organizer": 1},
        status_counts={"published": n_posts, "hidden": 2},
        moderation_actions={"post.hide": 2},
        flags=1,
        organizers=("Org 0",),
        narrative=Narrative(executive_summary="We learned *much*."),
        base_url="http://x",
    )
