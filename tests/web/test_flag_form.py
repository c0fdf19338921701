"""Flagging from the thread page: a form citing a clause, without JavaScript."""

from __future__ import annotations

from sqlmodel import select

from dialogue.moderation.models import Flag
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import submit, visitor


class TestFlagForm:
    async def test_participant_flags_citing_a_clause_once(self, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        page = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        action = f"/d/{s.dialogue.slug}/posts/{first.id}/flag"
        async with visitor(factory.app, s.bob) as client:
            shown = (await client.get(page)).text
            assert f'action="{action}"' in shown and 'value="2"' in shown
            sent = await submit(client, page, action, {"reason": "2", "note": "names a person"})
            assert sent.status_code == 303 and sent.headers["location"] == "/notifications"
            again = await submit(client, page, action, {"reason": "other"})
            assert again.status_code == 409
        async with factory.session() as session:
            stored = (await session.exec(select(Flag).where(Flag.post_id == first.id))).all()
        assert [(f.reason, f.note, f.user_id) for f in stored] == [
            ("2", "names a person", s.bob.id)
        ]

    async def test_no_flag_form_on_own_posts_or_for_observers(self, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        page = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        action = f"/d/{s.dialogue.slug}/posts/{first.id}/flag"
        for who in (s.alice, s.observer):
            async with visitor(factory.app, who) as client:
                assert f'action="{action}"' not in (await client.get(page)).text
        async with visitor(factory.app, s.observer) as client:
            refused = await submit(client, page, action, {"reason": "1"})
            assert refused.status_code == 403
