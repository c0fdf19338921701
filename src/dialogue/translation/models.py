"""The translation cache: one machine translation per post and target language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class PostTranslation(SQLModel, table=True):
    """A post's text in another language, as an engine made it from `source_hash`'s text.

    An edit changes the post's HTML and so its hash: the stale translation is made again
    on the next request rather than shown.
    """

    __tablename__ = "post_translation"

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    target: str = Field(primary_key=True, sa_type=String(16))
    source: str = Field(sa_type=String(16))
    engine: str = Field(sa_type=String(32))
    source_hash: str = Field(sa_type=String(64))
    body_html: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
