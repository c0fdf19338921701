"""A draft an editor can work from: sub-themes across languages, phrases for labels, quotes
that stand alone and appear once, key messages marked as draft, origins by k-anonymity."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from dialogue.synthesis.assembly import build_document
from dialogue.synthesis.origins import Origins
from dialogue.synthesis.render.common import quoted_posts
from dialogue.synthesis.segment import cjk_words
from dialogue.synthesis.source import Person, SourcePost
from dialogue.synthesis.subthemes import find_subthemes, words
from tests.synthesis.samples import sample

SHELTERS = (
    "Women's shelters need long-term funding so that they can stay open all year.",
    "Shelters for survivors of violence must get stable money from the state.",
    "Without secure funding, shelters for women close and survivors have nowhere to go.",
    "Les refuges pour femmes ont besoin d'un financement durable pour rester ouverts.",
    "Les refuges pour les survivantes de violences doivent recevoir un financement stable.",
    "Sans financement sûr, les refuges ferment et les survivantes n'ont nulle part où aller.",
    "Los refugios para mujeres necesitan financiación a largo plazo para seguir abiertos.",
    "Los refugios para sobrevivientes de violencia deben recibir fondos estables del Estado.",
    "Sin fondos seguros, los refugios cierran y las sobrevivientes no tienen adónde ir.",
)
SCHOOLS = (
    "Teachers should talk with boys about respect and consent in every classroom.",
    "Schools must teach boys what consent means, from the first years on.",
    "Boys learn respect for girls when teachers discuss it openly in lessons.",
    "Les enseignants doivent parler du respect et du consentement avec les garçons en classe.",
    "L'école doit apprendre aux garçons ce que veut dire le consentement, dès les petites classes.",
    "Les garçons apprennent le respect quand les enseignants en parlent ouvertement en cours.",
    "Los maestros deben hablar con los niños sobre respeto y consentimiento en cada aula.",
    "La escuela debe enseñar a los niños qué significa el consentimiento desde pequeños.",
    "Los niños aprenden a respetar a las niñas cuando los maestros lo hablan en clase.",
)


class TestAcrossLanguages:
    def test_the_same_idea_in_english_french_and_spanish_is_one_sub_theme(self) -> None:
        posts = [(i, text) for i, text in enumerate(SHELTERS + SCHOOLS, 1)]
        found = find_subthemes(posts, frozenset(pid for pid, _t in posts))
        assert found.found
        clusters = sorted(item.post_ids for item in found.items)
        assert clusters == [tuple(range(1, 10)), tuple(range(10, 19))]
        for item in found.items:
            assert item.label and ", " not in item.label  # a phrase, not a list of keywords

    def test_chinese_is_segmented_into_words(self) -> None:
        text = "我们需要更多的资金来支持妇女组织，政府应该保护受害者。"
        segmented = cjk_words(text)
        assert {"我们", "需要", "资金", "支持", "政府", "保护", "受害者"} <= set(segmented)
        assert all(len(w) <= 4 for w in segmented)  # words, not the sentence
        assert "资金" in words(text) and text not in words(text)


def person(pid: int, **kw: str | None) -> Person:
    fields: dict[str, str | None] = {
        "display_name": f"Person {pid}",
        "organization": "",
        "country": "KE",
        "constituency": None,
        "quote_consent": "anonymous",
        "role": "participant",
    }
    fields.update(kw)
    return Person(id=pid, **fields)  # type: ignore[arg-type]


class TestOrigins:
    def test_a_country_of_fewer_than_k_becomes_its_region_then_nothing(self) -> None:
        crowd = [person(i) for i in range(1, 6)] + [person(6, country="LS")]
        crowd += [person(7, country="FR")]
        origins = Origins.of(crowd, k=5)
        assert origins.label(crowd[0]) == "A practitioner from Kenya"
        assert origins.label(crowd[5]) == ("A practitioner from Eastern and Southern Africa")
        assert origins.label(crowd[6]) == "A practitioner"
        assert [origins.level(p) for p in (crowd[0], crowd[5], crowd[6])] == [
            "country",
            "region",
            "none",
        ]

    def test_a_constituency_is_named_only_for_k_people_sharing_it_and_the_place(self) -> None:
        crowd = [person(i, constituency="researcher") for i in range(1, 6)]
        crowd += [person(6, constituency="funder")]
        origins = Origins.of(crowd, k=5)
        assert origins.label(crowd[0]) == ("A practitioner from Kenya (Researcher)")
        assert origins.label(crowd[5]) == "A practitioner from Kenya"


def with_posts(extra: list[SourcePost], people: dict[int, Person]) -> object:
    base = sample(n_posts=120)
    return dataclasses.replace(
        base, posts=base.posts + tuple(extra), people={**base.people, **people}
    )


class TestQuotes:
    def test_addresses_prompts_and_fragments_are_never_chosen_and_no_post_twice(self) -> None:
        at = datetime(2026, 3, 2, tzinfo=UTC)
        words_ = "accountability funding feminist movements partnership trust " * 3
        extra = [
            SourcePost(
                id=1001, theme_id=1, thread_id=1, thread_title="t", parent_id=1, author_id=1,
                anonymous=False, quote_consent=None, text=f"Person, I agree: {words_}",
                created_at=at, highlighted=False,
            ),
            SourcePost(
                id=1002, theme_id=1, thread_id=1, thread_title="t", parent_id=None,
                author_id=999, anonymous=False, quote_consent=None,
                text=f"Welcome to the final week of the dialogue. {words_}",
                created_at=at + timedelta(hours=1), highlighted=False,
            ),
            SourcePost(
                id=1003, theme_id=1, thread_id=1, thread_title="t", parent_id=1, author_id=1,
                anonymous=False, quote_consent=None, text="accountability funding trust",
                created_at=at + timedelta(hours=2), highlighted=False,
            ),
        ]  # fmt: skip
        moderator = person(999, role="moderator", display_name="Mo Derator", quote_consent="named")
        source = with_posts(extra, {999: moderator})
        document = build_document(source)  # type: ignore[arg-type]
        quoted = Counter(quoted_posts(document))
        assert quoted and max(quoted.values()) == 1
        for theme in document["themes"]:
            for item in theme["subthemes"]["items"]:
                assert not {q["post_id"] for q in item["quotes"]} & {1001, 1002, 1003}
        statements = [t["post_id"] for t in document["agreement"]["consensus"]]
        assert 1002 not in statements

    def test_a_themes_facilitator_is_not_quoted_as_a_view_in_that_theme(self) -> None:
        """An expert facilitating a theme writes its prompts: theirs, not a participant's."""
        at = datetime(2026, 3, 2, tzinfo=UTC)
        words_ = "accountability funding feminist movements partnership trust " * 3
        prompt = SourcePost(
            id=1002, theme_id=1, thread_id=1, thread_title="t", parent_id=None,
            author_id=998, anonymous=False, quote_consent=None,
            text=f"Welcome to the final week of the dialogue. {words_}",
            created_at=at, highlighted=False,
        )  # fmt: skip
        expert = person(998, role="expert", display_name="Fa Cilitator", quote_consent="named")
        base: Any = with_posts([prompt], {998: expert})
        agreed = tuple((1002, uid, "agree") for uid in sorted(base.people) if uid != 998)
        source = dataclasses.replace(base, reactions=tuple(sorted(base.reactions + agreed)))
        assert 1002 in quoted_posts(build_document(source))  # everyone agrees with it
        facilitated = dataclasses.replace(source, facilitators=frozenset({(1, 998)}))
        document = build_document(facilitated)
        assert 1002 not in quoted_posts(document)
        assert 1002 not in [t["post_id"] for t in document["agreement"]["consensus"]]

    def test_key_messages_are_a_draft_of_quotable_sentences_one_per_post(self) -> None:
        document = build_document(sample(n_posts=300))
        quotable = {row["id"] for row in document["posts"] if row["quoted"]}
        theme = document["themes"][0]
        drafted = theme["key_messages"]
        assert drafted["draft"] is True and "Draft" in drafted["note"]
        ids = [m["post_id"] for m in drafted["items"]]
        assert ids and set(ids) <= quotable and len(ids) == len(set(ids))

    def test_a_written_summary_replaces_the_draft(self) -> None:
        base = sample(n_posts=300)
        narrative = dataclasses.replace(base.narrative, themes={1: "What we heard."})
        document = build_document(dataclasses.replace(base, narrative=narrative))
        assert document["themes"][0]["key_messages"]["items"] == []
        assert document["themes"][1]["key_messages"]["items"]
