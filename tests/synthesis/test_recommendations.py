"""Recommendations by audience: moderators name the audience in the code, the report groups
by it, drafts each audience's recommendations (marked as a draft) and quotes the coded
posts beneath as evidence, in every format."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import pytest
from docx import Document

from dialogue.synthesis.assembly import build_document
from dialogue.synthesis.recommendations import audience_of
from dialogue.synthesis.render.common import RenderOptions
from dialogue.synthesis.render.registry import REPORT_FORMATS
from dialogue.synthesis.source import Narrative
from tests.synthesis.samples import sample

OPTIONS = RenderOptions(base_url="http://example.org")
DRAFT = "Draft: sentences chosen automatically from the posts coded as recommendations"


@pytest.mark.parametrize(
    ("code", "audience"),
    [
        ("Recommendation", ""),
        ("recommendations", ""),
        ("Recommendation: funders", "funders"),
        ("Recommendation – funders", "funders"),
        ("Recommendation for programmes working with men and boys",
         "programmes working with men and boys"),
        ("Recommendation (women's-rights organisations)", "women's-rights organisations"),
        ("Recommandation : bailleurs de fonds", "bailleurs de fonds"),
        ("Recommandation aux bailleurs", "bailleurs"),
        ("Recomendación para financiadores", "financiadores"),
        ("Recomendação: parceiros", "parceiros"),
        ("Good practice", None),
    ],
)  # fmt: skip
def test_the_audience_is_what_the_code_names_after_recommendation(
    code: str, audience: str | None
) -> None:
    assert audience_of(code) == audience


def built(narrative: str = "") -> dict[str, Any]:
    source = sample(n_posts=300)
    source = replace(source, narrative=Narrative(recommendations=narrative))
    found: dict[str, Any] = json.loads(
        REPORT_FORMATS["json"].render(build_document(source), OPTIONS)
    )
    return found


class TestByAudience:
    def test_groups_by_audience_largest_first_untagged_last_with_all_coded_posts(self) -> None:
        source = sample(n_posts=300)
        groups = built()["recommendations"]["groups"]
        assert [g["audience"] for g in groups][-1] == ""
        assert {g["audience"] for g in groups} == {
            "funders",
            "women's-rights organisations",
            "",
        }
        assert [g["title"] for g in groups[:-1]] == [f"For {g['audience']}" for g in groups[:-1]]
        assert groups[-1]["title"] == "Audience not tagged"
        sizes = [len(g["post_ids"]) for g in groups[:-1]]
        assert sizes == sorted(sizes, reverse=True)
        coded = {p.id: p.codes for p in source.posts if p.codes}
        for g in groups:
            assert g["post_ids"] == sorted(
                pid for pid, codes in coded.items() if audience_of(codes[0]) == g["audience"]
            )
            shown = [q["post_id"] for q in g["items"]]
            assert set(shown) | set(g["quoted_above"]) <= set(g["post_ids"])
            assert len(shown) + len(g["quoted_above"]) + g["not_quoted"] == len(g["post_ids"])

    def test_a_draft_marked_as_such_from_the_audiences_own_posts_in_every_format(self) -> None:
        document = built()
        drafted = [g for g in document["recommendations"]["groups"] if g["draft"]["items"]]
        assert drafted
        for g in drafted:
            assert g["draft"]["note"].startswith(DRAFT)
            assert {m["post_id"] for m in g["draft"]["items"]} <= set(g["post_ids"])
        sentence = drafted[0]["draft"]["items"][0]["text"]
        md = REPORT_FORMATS["md"].render(document, OPTIONS).decode("utf-8")
        html = REPORT_FORMATS["html"].render(document, OPTIONS).decode("utf-8")
        docx = "\n".join(
            p.text
            for p in Document(
                io.BytesIO(REPORT_FORMATS["docx"].render(document, OPTIONS))
            ).paragraphs
        )
        for fmt, text in (("md", md), ("html", html), ("docx", docx)):
            section = text[text.index("For funders") :]
            assert DRAFT in section and "Evidence: the coded posts" in section, fmt
            assert sentence.split()[0] in section, fmt

    def test_the_draft_gives_way_once_the_editors_write_the_recommendations(self) -> None:
        document = built(narrative="### For funders\n\nFund women's organisations first.")
        groups = document["recommendations"]["groups"]
        assert groups and all(g["draft"] == {"note": "", "items": []} for g in groups)
        md = REPORT_FORMATS["md"].render(document, OPTIONS).decode("utf-8")
        assert "Fund women's organisations first." in md and DRAFT not in md
