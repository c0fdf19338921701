"""The API shape of a post's machine translation."""

from __future__ import annotations

from pydantic import Field

from dialogue.responses import Public


class TranslationPublic(Public):
    """A machine translation of a post's sanitised HTML; the post itself is unchanged."""

    post_id: int
    source: str = Field(description="The post's own language.")
    target: str
    engine: str = Field(description="`apertium` or `libretranslate`.")
    machine: bool = Field(True, description="Always true: made by a program, not a person.")
    body_html: str
    cached: bool = Field(description="Whether it was made for an earlier reader and kept.")
