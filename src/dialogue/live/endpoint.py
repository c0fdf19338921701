"""The websocket endpoint `/ws/dialogues/{slug}?after=SEQ`."""

from __future__ import annotations

import json
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, WebSocket
from sqlalchemy.exc import DataError
from starlette.websockets import WebSocketDisconnect

from dialogue.access import SocketAccess, SocketPolicyCheck
from dialogue.bounds import DbInt
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, is_busy
from dialogue.i18n import gettext as _
from dialogue.live.connection import WS_1008_POLICY_VIOLATION, WS_4404_NOT_FOUND, Connection
from dialogue.live.frames import FrameError, PostCreateFrame, TypingFrame, parse_frame
from dialogue.live.hub import Hub
from dialogue.live.posting import create_post_from_frame
from dialogue.live.typing import TypingRights, relay_typing
from dialogue.policy import Action
from dialogue.request_log import SessionRecord, request_id_header, session_record
from dialogue.state import app_state

log = logging.getLogger(__name__)
router = APIRouter()

MAX_STRIKES = 10  # malformed frames tolerated before the connection is closed with 1008
TYPING_INTERVAL = 2.0


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


@router.websocket("/ws/dialogues/{slug}")
async def dialogue_socket(
    websocket: WebSocket,
    access: Annotated[SocketAccess, Depends(SocketPolicyCheck(Action.EVENTS_READ))],
    after: Annotated[DbInt | None, Query()] = None,
) -> None:
    record = session_record(websocket.scope)
    await websocket.accept(headers=request_id_header())
    if access.refused:
        record.outcome, record.close_code = "refused", WS_4404_NOT_FOUND
        await websocket.close(WS_4404_NOT_FOUND)
        return
    record.dialogue_id = access.dialogue_id
    hub: Hub = app_state(websocket).hub
    connection = Connection(
        websocket,
        dialogue_id=access.dialogue_id,
        user_id=access.user_id,
        display_name=access.display_name,
        token_id=access.token_id,
        role=access.role,
        is_admin=access.is_admin,
        after=access.last_seq if after is None else after,
        rights_seq=access.last_seq,
        queue_limit=app_state(websocket).settings.ws_send_queue,
        language=access.language,
        timezone=access.timezone,
        count_presence=access.count_presence,
    )
    connection.start()
    connection.push(dumps({"type": "hello", "seq": access.last_seq, "role": access.role}))
    client_code: int | None = None
    try:
        await hub.join(connection)
        client_code = await _receive(websocket, connection, record)
    except WebSocketDisconnect as gone:
        client_code = gone.code
    finally:
        closed_by_server = connection.closing  # before `stop`, which closes it in any case
        await hub.leave(connection)
        await connection.stop()
        record.frames_out = connection.frames_out
        if closed_by_server or client_code is None:
            record.outcome, record.close_code = "server_closed", connection.close_code
        else:
            record.outcome, record.close_code = "client_closed", client_code


async def _receive(
    websocket: WebSocket, connection: Connection, record: SessionRecord
) -> int | None:
    """Answer the client's frames until it leaves (its close code) or the server closes."""
    strikes = 0
    last_typing = 0.0
    typing = TypingRights(app_state(websocket).database, connection)
    while not connection.closing:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return int(message.get("code", 1005))
        record.frames_in += 1
        text = message.get("text")
        try:
            if text is None:
                raise FrameError("binary_not_supported", "Frames must be JSON text.")
            frame = parse_frame(text)
        except FrameError as exc:
            strikes += 1
            connection.push(_error(exc.code, exc.message))
            if strikes >= MAX_STRIKES:
                connection.close(WS_1008_POLICY_VIOLATION)
            continue
        if isinstance(frame, PostCreateFrame):
            await _post(websocket, connection, frame)
        elif isinstance(frame, TypingFrame):
            # Throttled before the rights are looked up, so a flood costs nothing either.
            now = time.monotonic()
            if connection.user_id is not None and now - last_typing >= TYPING_INTERVAL:
                last_typing = now
                try:
                    await relay_typing(websocket, typing, frame)
                except DialogueError as exc:
                    connection.push(_error(exc.code, exc.message))
        else:
            connection.push(dumps({"type": "pong"}))
    return None  # the server is closing it


async def _post(websocket: WebSocket, connection: Connection, frame: PostCreateFrame) -> None:
    try:
        written = await create_post_from_frame(websocket, connection=connection, frame=frame)
    except DialogueError as exc:
        connection.push(_refusal(frame, exc.code, exc.message))
        return
    except Exception as exc:  # whatever went wrong, this frame is answered and the socket stays
        connection.push(_failure(frame, exc))
        return
    post = written.post
    connection.push(
        dumps(
            {"type": "ack", "client_id": frame.client_id, "post_id": post.id, "status": post.status}
        )
    )


def _error(code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": message})


def _failure(frame: PostCreateFrame, exc: Exception) -> str:
    if is_busy(exc):  # nothing was committed: the client retries with the same client_id
        return _refusal(frame, ErrorCode.BUSY, _("The server is busy. Please try again."))
    if isinstance(exc, DataError):  # a value validation let through, refused by the database
        return _refusal(
            frame, ErrorCode.INVALID, _("The request holds a value that cannot be stored.")
        )
    log.error("post.create frame failed", exc_info=exc)
    return _refusal(frame, ErrorCode.SERVER_ERROR, _("Something went wrong on our side."))


def _refusal(frame: PostCreateFrame, code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": message, "client_id": frame.client_id})
