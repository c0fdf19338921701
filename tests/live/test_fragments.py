"""The live fragment of a post: what each frame carries, and one rendering per kind of reader."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dialogue.config import Settings
from dialogue.dialogues.conduct import Clause
from dialogue.live.fragments import DialogueContext, EventFrames, PostFragments, ReaderClass
from dialogue.policy import Role
from dialogue.web.templating import create_templates

BODY = "<p>A <em>long</em> account that must travel once per frame, not twice.</p>\n"


def post_data(**changes: Any) -> dict[str, Any]:
    data = {
        "id": 7,
        "thread_id": 3,
        "parent_id": None,
        "depth": 0,
        "status": "published",
        "anonymous": False,
        "created_at": "2026-12-04T00:35:36.611571+00:00",
        "edited_at": None,
        "moderated_at": None,
        "reply_count": 0,
        "highlighted": False,
        "reactions": {"agree": 0, "disagree": 0, "pass": 0},
        "author": {"id": 2, "display_name": "Amina", "organization": "", "country": None},
        "author_name": "Amina",
        "body": "A *long* account that must travel once per frame, not twice.",
        "body_html": BODY,
    }
    return {**data, **changes}


@pytest.fixture(scope="module")
def fragments() -> PostFragments:
    return PostFragments(create_templates(Settings()).env)


CONTEXT = DialogueContext(slug="care", allow_anonymous=True)
VISITOR = ReaderClass(role=None, language="en", timezone="UTC")


def test_the_fragment_leaves_the_body_to_body_html(fragments: PostFragments) -> None:
    frames = EventFrames(fragments, CONTEXT, 5, "post.created", post_data())
    sent = json.loads(frames.frame(VISITOR, mine=False).text)
    assert sent["data"]["body_html"] == BODY
    html = sent["data"]["html"]
    assert '<div class="post-body prose"></div>' in html
    assert "travel once" not in html
    assert "Amina" in html


def test_one_rendering_per_kind_of_reader(fragments: PostFragments) -> None:
    frames = EventFrames(fragments, CONTEXT, 5, "post.created", post_data())
    twin = ReaderClass(role=None, language="en", timezone="UTC")
    first = frames.frame(VISITOR, mine=False)
    assert frames.frame(twin, mine=False) is first
    french = frames.frame(ReaderClass(role=None, language="fr", timezone="UTC"), mine=False)
    paris = frames.frame(ReaderClass(role=None, language="en", timezone="Europe/Paris"), mine=False)
    assert len({id(first), id(french), id(paris)}) == 3
    assert frames.frame(VISITOR, mine=True) is not first
    assert len(frames.cache) == 4


class TestModeratorsTools:
    """The moderators' tools travel in the staff classes' frames only."""

    context = DialogueContext(
        slug="care",
        allow_anonymous=True,
        clauses=(Clause("1", "Be kind."), Clause("2", "No names.")),
    )

    def html(self, fragments: PostFragments, role: Role | None, **data: Any) -> str:
        frames = EventFrames(fragments, self.context, 5, "post.updated", post_data(**data))
        reader = ReaderClass(role=role, language="en", timezone="UTC")
        return str(json.loads(frames.frame(reader, mine=False).text)["data"]["html"])

    @pytest.mark.parametrize("role", [Role.MODERATOR, Role.ORGANIZER])
    def test_staff_get_the_moderate_menu(self, fragments: PostFragments, role: Role) -> None:
        html = self.html(fragments, role)
        assert '<details class="moderate">' in html
        assert 'action="/d/care/moderation/posts/7"' in html
        assert 'value="hide"' in html and 'name="clause" required' in html
        assert '<option value="2">' in html
        assert "/d/care/moderation/posts/7/edit" in html
        assert "post-coding" not in html  # the page's own codes form is kept by the client

    def test_a_highlighted_post_offers_to_take_the_highlight_off(
        self, fragments: PostFragments
    ) -> None:
        html = self.html(fragments, Role.MODERATOR, highlighted=True)
        assert 'value="unhighlight"' in html and 'value="highlight"' not in html

    @pytest.mark.parametrize(
        "role", [None, Role.OBSERVER, Role.PARTICIPANT, Role.EXPERT, Role.ADVISOR]
    )
    def test_nobody_else_gets_them(self, fragments: PostFragments, role: Role | None) -> None:
        html = self.html(fragments, role)
        assert "moderate" not in html and "/moderation/" not in html


class TestAPostTakenOutOfView:
    """A hidden post's event has no body; who still sees it on the page keeps the body."""

    def frame_html(self, fragments: PostFragments, role: Role | None, *, mine: bool) -> str:
        data = post_data(status="hidden", body="", body_html="", author=None, author_name=None)
        frames = EventFrames(fragments, CONTEXT, 6, "post.status", data)
        reader = ReaderClass(role=role, language="en", timezone="UTC")
        return str(json.loads(frames.frame(reader, mine=mine).text)["data"]["html"])

    @pytest.mark.parametrize("role", [Role.MODERATOR, Role.ORGANIZER])
    def test_staff_keep_the_post_with_its_badge(self, fragments: PostFragments, role: Role) -> None:
        html = self.frame_html(fragments, role, mine=False)
        assert "placeholder" not in html and "Hidden by a moderator" in html
        assert '<div class="post-body prose" data-kept></div>' in html

    def test_its_author_keeps_it(self, fragments: PostFragments) -> None:
        html = self.frame_html(fragments, Role.PARTICIPANT, mine=True)
        assert "data-kept" in html and "Hidden by a moderator" in html

    @pytest.mark.parametrize("role", [None, Role.PARTICIPANT, Role.ADVISOR])
    def test_everyone_else_sees_its_place(
        self, fragments: PostFragments, role: Role | None
    ) -> None:
        html = self.frame_html(fragments, role, mine=False)
        assert "placeholder" in html and "Moderated" in html
        assert "data-kept" not in html and "Hidden by a moderator" not in html
