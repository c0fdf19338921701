"""The pure analysis: sub-themes, agreement, opinion groups, consent, groups too small to show."""

from __future__ import annotations

import dataclasses
import random

from dialogue.synthesis.assembly import build_document
from dialogue.synthesis.consent import attribution
from dialogue.synthesis.figures import MIN_GROUP, constituency_label, who_spoke
from dialogue.synthesis.opinions import analyse
from dialogue.synthesis.render.common import RenderOptions
from dialogue.synthesis.render.json import render
from dialogue.synthesis.source import Person, SourcePost
from dialogue.synthesis.subthemes import find_subthemes
from tests.synthesis.samples import sample

FUNDING = "funding trust feminist movements partnership donors budgets"
SCHOOLS = "schools teachers boys curriculum classrooms lessons pupils"


def two_topics(n: int) -> list[tuple[int, str]]:
    rng = random.Random(7)
    return [
        (i, " ".join(rng.choice((FUNDING if i % 2 else SCHOOLS).split()) for _ in range(12)))
        for i in range(1, n + 1)
    ]


class TestSubThemes:
    def test_two_clear_topics_become_two_labelled_clusters(self) -> None:
        found = find_subthemes(two_topics(40), frozenset(range(1, 41)))
        assert found.found
        labels = {item.label for item in found.items}
        funding = next(i for i in found.items if set(i.terms) <= set(FUNDING.split()))
        schools = next(i for i in found.items if set(i.terms) <= set(SCHOOLS.split()))
        assert funding.label in labels and schools.label in labels
        assert all(pid % 2 == 1 for pid in funding.post_ids)
        assert all(pid % 2 == 0 for pid in schools.post_ids)
        assert len(funding.quote_ids) >= 2  # ranked candidates; the report quotes up to 3

    def test_quotes_only_from_quotable_posts(self) -> None:
        quotable = frozenset({2, 4, 7})
        found = find_subthemes(two_topics(40), quotable)
        assert {q for item in found.items for q in item.quote_ids} <= quotable

    def test_three_posts_say_little_can_be_inferred(self) -> None:
        found = find_subthemes(two_topics(3), frozenset({1, 2, 3}))
        assert not found.found
        assert "little can be inferred" in found.note

    def test_french_and_spanish_stop_words_never_label_a_cluster(self) -> None:
        posts = [
            (i, f"les hommes et les garçons dans {w} para los {w} que el programa {w}")
            for i, w in enumerate(["écoles", "financement", "confianza", "escuelas"] * 5, 1)
        ]
        found = find_subthemes(posts, frozenset())
        terms = {t for item in found.items for t in item.terms}
        assert terms
        assert not terms & {"les", "dans", "para", "los", "que", "el", "et"}


class TestAgreement:
    def test_consensus_division_and_too_few_votes(self) -> None:
        votes = [(1, u, "agree") for u in range(10)]
        votes += [(2, u, "agree" if u % 2 else "disagree") for u in range(10)]
        votes += [(3, u, "agree") for u in range(3)]  # too few reactions to say anything
        result = analyse(votes)
        assert [t.post_id for t in result.consensus] == [1]
        assert [t.post_id for t in result.division] == [2]
        assert not result.groups
        assert "Not enough reactions" in result.groups_note

    def test_two_camps_are_found_as_two_groups(self) -> None:
        rng = random.Random(3)
        votes = []
        for user in range(40):
            camp = user % 2
            for post in range(20):
                if rng.random() < 0.8:
                    votes.append((post, user, "agree" if post % 2 == camp else "disagree"))
        result = analyse(votes)
        assert sorted(g.size for g in result.groups) == [20, 20]
        assert result.groups_note == ""
        assert result.division  # each post divides the camps


def person(pid: int, consent: str | None, **kw: str) -> Person:
    return Person(
        id=pid,
        display_name=kw.get("name", "Wanjiru"),
        organization=kw.get("org", "FEMNET"),
        country=kw.get("country", "KE"),
        constituency=None,
        quote_consent=consent,
        role="participant",
    )


POST = SourcePost(
    id=1, theme_id=1, thread_id=1, thread_title="t", parent_id=None, author_id=1,
    anonymous=False, quote_consent=None, text="x", created_at=sample().posts[0].created_at,
    highlighted=False,
)  # fmt: skip


class TestConsent:
    def test_each_consent_gives_its_attribution(self) -> None:
        assert attribution(POST, person(1, "named")).label == "Wanjiru, FEMNET"
        assert attribution(POST, person(1, "anonymous")).label == "A practitioner"
        assert not attribution(POST, person(1, "none")).quotable
        assert not attribution(POST, person(1, None)).quotable  # unknown fails closed
        assert not attribution(POST, None).quotable

    def test_a_post_can_narrow_the_profile_but_never_widen_it(self) -> None:
        narrowed = dataclasses.replace(POST, quote_consent="none")
        assert not attribution(narrowed, person(1, "named")).quotable
        anonymous = dataclasses.replace(POST, quote_consent="anonymous")
        assert attribution(anonymous, person(1, "named")).label == "A practitioner"
        assert not attribution(anonymous, person(1, "none")).quotable
        assert not attribution(anonymous, person(1, None)).quotable
        widened = dataclasses.replace(POST, quote_consent="named")
        assert attribution(widened, person(1, "anonymous")).label == "A practitioner"
        assert not attribution(widened, person(1, "none")).quotable

    def test_an_anonymous_post_never_names_its_author(self) -> None:
        masked = dataclasses.replace(POST, anonymous=True)
        assert attribution(masked, person(1, "named")).label == "Anonymous participant"
        assert not attribution(masked, person(1, None)).quotable


class TestSmallGroupsSuppressed:
    def test_groups_under_five_people_are_not_shown(self) -> None:
        source = sample(n_posts=200, n_people=40)
        spoke = who_spoke(source)
        for data in spoke.values():
            assert all(g["people"] >= MIN_GROUP for g in data["groups"])
        consenting = {
            p.id for p in source.people.values() if p.quote_consent in ("named", "anonymous")
        }
        authors = {
            p.author_id for p in source.posts if not p.anonymous and p.author_id in consenting
        }
        shown = sum(g["people"] for g in spoke["region"]["groups"])
        assert shown + spoke["region"]["suppressed_people"] == len(authors)


class TestWholeDocument:
    def test_three_posts_still_make_a_report_that_says_so(self) -> None:
        document = build_document(sample(n_posts=3, reactions=False))
        assert "little can be inferred" in document["report"]["note"]
        assert document["agreement"]["groups"]["found"] is False
        assert len(document["posts"]) == 3

    def test_byte_identical_json_from_the_same_source(self) -> None:
        source = sample(n_posts=300)
        first = render(build_document(source), RenderOptions())
        second = render(build_document(sample(n_posts=300)), RenderOptions())
        assert first == second


class TestConstituencyNames:
    def test_codes_are_named_in_words(self) -> None:
        assert constituency_label("men_and_boys_programme") == "Programme working with men and boys"
        assert constituency_label("community_radio") == "Community radio"
        assert constituency_label("UN Women") == "UN Women"
        assert constituency_label(None) == constituency_label("  ") == "Not stated"
