"""`post.create` over the socket: the same checks as HTTP, with rights read fresh each time.

Rights are read from the database for every post, so a mute or a ban takes effect on an
open socket at once.
"""

from __future__ import annotations

from fastapi import WebSocket

from dialogue.access import standing_of
from dialogue.accounts.models import User
from dialogue.dialogues import service as dialogues
from dialogue.errors import Forbidden, NotFound
from dialogue.events.publish import commit
from dialogue.i18n import gettext as _
from dialogue.live.connection import Connection
from dialogue.live.frames import PostCreateFrame
from dialogue.policy import Action, Viewer, can
from dialogue.threads import queries
from dialogue.threads import service as threads
from dialogue.threads.api import guard_post_rate, visible_thread
from dialogue.threads.models import Post


async def create_post_from_frame(
    websocket: WebSocket, *, connection: Connection, frame: PostCreateFrame
) -> tuple[Post, bool]:
    if connection.user_id is None:
        raise Forbidden(_("Please sign in to post."), code="unauthenticated")
    async with websocket.app.state.database.writing() as session:
        session.info["broker"] = websocket.app.state.broker
        user = await session.get(User, connection.user_id)
        thread = await queries.get_thread(session=session, thread_id=frame.thread_id)
        if user is None or thread is None or thread.dialogue_id != connection.dialogue_id:
            raise NotFound(_("Not found."))
        dialogue = await dialogues.get_dialogue_by_id(
            session=session, dialogue_id=thread.dialogue_id
        )
        assert dialogue is not None and user.id is not None
        membership = await dialogues.get_membership(
            session=session, dialogue_id=thread.dialogue_id, user_id=user.id
        )
        standing = standing_of(user, membership, dialogue)
        if not can(Action.POST_CREATE, standing):
            raise Forbidden(_("You are not allowed to do this."))
        visible_thread(thread, Viewer(user_id=user.id, role=standing.effective_role))
        guard_post_rate(websocket, user.id)
        theme = await dialogues.get_theme(session=session, theme_id=thread.theme_id)
        assert theme is not None
        post, created = await threads.create_post(
            session=session,
            dialogue=dialogue,
            theme=theme,
            thread=thread,
            user=user,
            membership=membership,
            body=frame.body,
            parent_id=frame.parent_id,
            client_id=frame.client_id,
            anonymous=frame.anonymous,
        )
        await commit(session)
        return post, created
