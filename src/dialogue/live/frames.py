"""Client frames: parsed and checked before anything acts on them."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from dialogue.bounds import DbId
from dialogue.threads.schemas import Body, ClientId, LangTag, Warning

MAX_FRAME_BYTES = 64 * 1024


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PostCreateFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["post.create"]
    client_id: ClientId
    thread_id: DbId
    body: Body
    parent_id: DbId | None = None
    anonymous: bool = False
    content_warning: Warning = None
    lang: LangTag | None = None


class TypingFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["typing"]
    thread_id: DbId
    anonymous: bool = False


class PingFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["ping"]


KNOWN_TYPES = ("post.create", "typing", "ping")


def parse_frame(text: str) -> PostCreateFrame | TypingFrame | PingFrame:
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise FrameError("frame_too_large", f"Frames are limited to {MAX_FRAME_BYTES} bytes.")
    try:
        raw: Any = json.loads(text)
    except ValueError:
        raise FrameError("invalid_json", "The frame is not valid JSON.") from None
    except RecursionError:  # thousands of nested brackets fit in a frame
        raise FrameError("invalid_json", "The frame is nested too deeply.") from None
    if not isinstance(raw, dict):
        raise FrameError("invalid_frame", "A frame must be a JSON object.")
    if raw.get("type") not in KNOWN_TYPES:
        raise FrameError("unknown_type", f"Unknown frame type: {str(raw.get('type'))[:40]!r}.")
    try:
        if raw["type"] == "post.create":
            return PostCreateFrame.model_validate(raw)
        if raw["type"] == "typing":
            return TypingFrame.model_validate(raw)
        return PingFrame.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise FrameError("invalid", f"Invalid frame: {fields}.") from None
