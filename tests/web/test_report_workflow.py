"""The report's workflow page: each step by the role that takes it, refused (and not offered)
to the others; the narrative with a preview that saves nothing; comments per section."""

from __future__ import annotations

import re

from tests.factories import Factory
from tests.synthesis.scene import build_scene
from tests.web.clients import submit, visitor
from tests.web.html import text
from tests.web.report_steps import base_of, publish, step, stored_report

STEP_FORM = 'action="/d/{slug}/report/transitions"'
EDITOR = 'name="executive_summary"'


def offers(page: str, to: str) -> bool:
    return f'name="to" value="{to}"' in page


class TestWhoSeesWhat:
    async def test_each_role_sees_only_the_controls_it_may_use(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
            assert EDITOR in page and 'name="format"' in page
            assert offers(page, "in_review") and not offers(page, "approved")
            assert 'name="body"' in page  # comments
        async with visitor(factory.app, scene.moderator) as client:
            page = (await client.get(base)).text
            assert EDITOR in page and offers(page, "in_review")
            assert 'name="format"' not in page  # downloads are for organizers and advisors
        async with visitor(factory.app, scene.advisor) as client:
            page = (await client.get(base)).text
            assert EDITOR not in page and not offers(page, "in_review")
            assert 'name="body"' in page and 'name="format"' in page
        async with visitor(factory.app, scene.participant) as client:
            assert (await client.get(base)).status_code == 403
        async with visitor(factory.app) as client:
            assert (await client.get(base)).status_code == 404  # an invite dialogue

    async def test_steps_are_offered_to_whoever_may_take_them_next(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        assert (await step(factory.app, scene, scene.moderator, "in_review")).status_code == 303
        async with visitor(factory.app, scene.advisor) as client:
            page = (await client.get(base)).text
            assert offers(page, "approved") and offers(page, "draft")
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
            assert not offers(page, "approved")  # the advisors approve
            assert offers(page, "draft") and not offers(page, "published")
        answer = await step(factory.app, scene, scene.advisor, "approved")
        assert answer.status_code == 303
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
            assert offers(page, "published") and 'name="audience"' in page
            assert EDITOR not in page  # approved: locked
        async with visitor(factory.app, scene.moderator) as client:
            page = (await client.get(base)).text
            assert not offers(page, "published") and 'name="audience"' not in page


class TestSteps:
    async def test_request_changes_then_approve_then_publish(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        assert (await step(factory.app, scene, scene.moderator, "in_review")).status_code == 303
        sent_back = await step(
            factory.app, scene, scene.advisor, "draft", note="Name the funders' role."
        )
        assert sent_back.status_code == 303
        report = await stored_report(factory, scene.dialogue)
        assert (report.state, report.review_round) == ("draft", 2)
        await publish(factory.app, scene, "members")
        report = await stored_report(factory, scene.dialogue)
        assert (report.state, report.audience) == ("published", "members")
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
        timeline = text(page[page.index('id="timeline"') : page.index('id="versions"')])
        advisor, organizer = scene.advisor.display_name, scene.organizer.display_name
        assert f"{advisor} sent the report back for changes" in timeline
        assert "Name the funders' role." in timeline
        assert f"{advisor} approved the report" in timeline
        assert f"{organizer} published the report" in timeline
        assert timeline.index("sent the report back") < timeline.index("published the report")
        assert f'href="{base}/published"' in page

    async def test_stale_and_refused_steps_are_clear_errors(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        approving_a_draft = await step(factory.app, scene, scene.advisor, "approved")
        assert approving_a_draft.status_code == 409
        assert 'id="report-error"' in approving_a_draft.text
        assert "cannot go from draft to approved" in approving_a_draft.text
        by_advisor = await step(factory.app, scene, scene.advisor, "in_review")
        assert by_advisor.status_code == 403
        unknown = await step(factory.app, scene, scene.organizer, "finished")
        assert unknown.status_code == 422
        assert (await step(factory.app, scene, scene.moderator, "in_review")).status_code == 303
        assert (await step(factory.app, scene, scene.advisor, "approved")).status_code == 303
        by_moderator = await step(factory.app, scene, scene.moderator, "published")
        assert by_moderator.status_code == 403
        twice = await step(factory.app, scene, scene.advisor, "approved")
        assert twice.status_code == 409
        assert (await stored_report(factory, scene.dialogue)).state == "approved"

    async def test_publishing_without_an_advisor_approval_is_refused(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory, advisors=False)
        assert (await step(factory.app, scene, scene.moderator, "in_review")).status_code == 303
        assert (await step(factory.app, scene, scene.organizer, "approved")).status_code == 303
        published = await step(factory.app, scene, scene.organizer, "published", audience="public")
        assert published.status_code == 303
        report = await stored_report(factory, scene.dialogue)
        assert (report.state, report.audience) == ("published", "public")


class TestNarrative:
    async def test_preview_renders_markdown_and_saves_nothing(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        fields = {
            "executive_summary": "Women's movements **lead**.",
            "introduction": "<script>alert(1)</script>Why we met.",
            f"theme_summaries[{scene.theme.id}]": "- accountability first",
            "recommendations": "",
            "preview": "1",
        }
        async with visitor(factory.app, scene.moderator) as client:
            shown = await submit(client, base, f"{base}/narrative", fields)
            assert shown.status_code == 200
            assert "<strong>lead</strong>" in shown.text
            assert "<li>accountability first</li>" in shown.text
            assert "<script>alert(1)</script>" not in shown.text  # sanitised, and escaped
            assert "Women&#39;s movements **lead**." in shown.text  # kept in the editor
            api = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
            headers = await factory.auth(scene.moderator)
            narrative = (await client.get(f"{api}/narrative", headers=headers)).json()
            assert narrative["executive_summary"] == "" and narrative["introduction"] == ""
            assert (await client.get(f"{api}/versions", headers=headers)).json()["items"] == []

    async def test_saving_keeps_a_version_and_shows_in_every_format(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.organizer) as client:
            for summary in ("First words.", "INTRO-SECOND"):
                saved = await submit(
                    client,
                    base,
                    f"{base}/narrative",
                    {"executive_summary": summary, "introduction": summary},
                )
                assert saved.status_code == 303
                assert saved.headers["location"] == f"{base}#narrative"
            page = (await client.get(base)).text
            versions = page[page.index('id="versions"') :]
            assert "Version 2" in versions and "Version 1" in versions
            assert versions.index("Version 2") < versions.index("Version 1")
            assert "First words." in versions
            api = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
            headers = await factory.auth(scene.organizer)
            listed = (await client.get(f"{api}/versions", headers=headers)).json()["items"]
            assert [v["version"] for v in listed] == [2, 1]
            assert listed[0]["author"]["display_name"] == scene.organizer.display_name
            md = await client.get(api, params={"format": "md"}, headers=headers)
            assert "## Introduction" in md.text and "INTRO-SECOND" in md.text

    async def test_an_empty_narrative_is_refused_and_advisors_cannot_write(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        empty = {"executive_summary": " ", "introduction": "", "recommendations": ""}
        async with visitor(factory.app, scene.organizer) as client:
            refused = await submit(client, base, f"{base}/narrative", empty)
            assert refused.status_code == 422
            assert "Write at least one part of the narrative" in refused.text
        async with visitor(factory.app, scene.advisor) as client:
            answer = await submit(client, base, f"{base}/narrative", {"introduction": "x"})
            assert answer.status_code == 403
        assert (await stored_report(factory, scene.dialogue)).introduction == ""

    async def test_a_locked_report_refuses_an_edit_with_the_reason(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        assert (await step(factory.app, scene, scene.moderator, "in_review")).status_code == 303
        assert (await step(factory.app, scene, scene.advisor, "approved")).status_code == 303
        async with visitor(factory.app, scene.organizer) as client:
            refused = await submit(client, base, f"{base}/narrative", {"introduction": "Late."})
            assert refused.status_code == 409
            assert "can no longer be edited" in refused.text


class TestComments:
    async def test_a_comment_on_a_theme_is_shown_under_that_theme(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.advisor) as client:
            sent = await submit(
                client,
                base,
                f"{base}/comments",
                {
                    "body": "Quote the shelter **network**.",
                    "section": "theme",
                    "theme_id": str(scene.theme.id),
                },
            )
            assert sent.status_code == 303
            general = await submit(
                client, base, f"{base}/comments", {"body": "Clear overall.", "section": "general"}
            )
            assert general.status_code == 303
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
        block = page[page.index(f'id="comments-theme-{scene.theme.id}"') :]
        block = block[: block.index("</section>")]
        assert "Quote the shelter <strong>network</strong>." in block
        assert scene.advisor.display_name in block
        overall = page[page.index('id="comments-general"') :]
        assert "Clear overall." in overall[: overall.index("</section>")]
        async with visitor(factory.app, scene.participant) as client:
            answer = await submit(
                client, f"/d/{scene.dialogue.slug}", f"{base}/comments", {"body": "x"}
            )
            assert answer.status_code == 403

    async def test_bad_comments_are_refused(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.advisor) as client:
            blank = await submit(client, base, f"{base}/comments", {"body": "   "})
            assert blank.status_code == 422 and "Write your comment" in blank.text
            no_theme = await submit(
                client, base, f"{base}/comments", {"body": "Which?", "section": "theme"}
            )
            assert no_theme.status_code == 422
            unknown = await submit(
                client, base, f"{base}/comments", {"body": "x", "section": "appendix"}
            )
            assert unknown.status_code == 422
        async with visitor(factory.app, scene.organizer) as client:
            page = (await client.get(base)).text
        assert re.search(r"Which\?|appendix", page) is None
