"""`post.create` over the socket: the same checks as HTTP, by the same post writer.

The writer reads the author's rights inside the transaction that adds the post, so a mute
or a ban takes effect on an open socket at once.
"""

from __future__ import annotations

from fastapi import WebSocket

from dialogue.error_codes import ErrorCode
from dialogue.errors import Forbidden
from dialogue.i18n import gettext as _
from dialogue.live.connection import Connection
from dialogue.live.frames import PostCreateFrame
from dialogue.ratelimit import client_address
from dialogue.state import app_state
from dialogue.threads.guards import guard_post_rate
from dialogue.threads.writer import NewReply, PostWriter, Written


async def create_post_from_frame(
    websocket: WebSocket, *, connection: Connection, frame: PostCreateFrame
) -> Written:
    if connection.user_id is None:
        raise Forbidden(_("Please sign in to post."), code=ErrorCode.UNAUTHENTICATED)
    await guard_post_rate(
        app_state(websocket).limits, connection.user_id, client_address(websocket)
    )
    writer: PostWriter = app_state(websocket).post_writer
    return await writer.write(
        NewReply(
            user_id=connection.user_id,
            thread_id=frame.thread_id,
            body=frame.body,
            parent_id=frame.parent_id,
            client_id=frame.client_id,
            anonymous=frame.anonymous,
            content_warning=frame.content_warning,
            lang=frame.lang,
            dialogue_id=connection.dialogue_id,
        )
    )
