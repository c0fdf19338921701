"""A post in the reader's language: from the cache, else made by the engine and kept.

Asked by a read (a page or `GET .../translation`): the cache is read on the request's
read-only snapshot; on a miss the route lets its connection go, and the post is translated
with none held (an engine step can take seconds), then kept in a short write of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import Database, utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, DialogueError
from dialogue.i18n import gettext as _
from dialogue.markup import sanitise_html
from dialogue.threads.models import Post
from dialogue.translation.engines import Pair, TranslationError
from dialogue.translation.models import PostTranslation
from dialogue.translation.translator import Translator, base_language


class TranslationFailed(DialogueError):
    status, code = 503, ErrorCode.TRANSLATION_FAILED


@dataclass(frozen=True, slots=True)
class Translated:
    post_id: int
    source: str
    target: str
    engine: str
    body_html: str
    cached: bool


def source_hash(post: Post) -> str:
    return hashlib.sha256(post.body_html.encode()).hexdigest()


def steps_for(translator: Translator, post: Post, target: str) -> list[Pair]:
    """The engine's steps for this post into `target`; refused with 409 when no engine goes
    there, or it is the post's own language, or there is no text to translate."""
    steps = translator.route(post.lang, target)
    if steps is None or not post.body_html:
        raise Conflict(
            _("No machine translation into this language is available for this post."),
            code=ErrorCode.TRANSLATION_UNAVAILABLE,
        )
    return steps


async def cached_translation(
    *, session: AsyncSession, translator: Translator, post: Post, target: str
) -> Translated | None:
    """The kept translation of the post as it reads now (one the caller may read: the
    route asked), or None when it must be made."""
    steps_for(translator, post, target)
    cached = await session.get(PostTranslation, (post.id, base_language(target)))
    if cached is None or cached.source_hash != source_hash(post):
        return None
    return Translated(
        post.id or 0, cached.source, cached.target, cached.engine, cached.body_html, True
    )


async def make_translation(
    *, database: Database, translator: Translator, post: Post, target: str
) -> Translated:
    """Translate the post (sanitised like any post's HTML) and keep it for the next reader.
    Called with no connection held: an engine step can take seconds."""
    steps = steps_for(translator, post, target)
    assert translator.engine is not None and post.lang is not None  # there is a route
    try:
        html = sanitise_html(await translator.translate(post.body_html, steps))
    except TranslationError as exc:
        raise TranslationFailed(
            _("The machine translation did not work this time. Please try again later.")
        ) from exc
    target = base_language(target)
    row: dict[str, Any] = {
        "post_id": post.id,
        "target": target,
        "source": post.lang,
        "engine": translator.engine.name,
        "source_hash": source_hash(post),
        "body_html": html,
        "created_at": utcnow(),
    }
    async with database.writing() as writer:
        connection = await writer.connection()
        await connection.execute(_upsert(connection.dialect.name, row))
        await writer.commit()
    return Translated(post.id or 0, post.lang, target, translator.engine.name, html, False)


def _upsert(dialect_name: str, row: dict[str, Any]) -> Executable:
    """Two readers translating the same post at once both write; the last one stays."""
    table: Table = PostTranslation.__table__  # type: ignore[attr-defined]
    keys = ("post_id", "target")
    if dialect_name == "postgresql":
        pg = postgresql.insert(table).values(**row)
        changed = {k: pg.excluded[k] for k in row if k not in keys}
        return pg.on_conflict_do_update(index_elements=keys, set_=changed)
    lite = sqlite.insert(table).values(**row)
    changed = {k: lite.excluded[k] for k in row if k not in keys}
    return lite.on_conflict_do_update(index_elements=keys, set_=changed)


async def forget_translations(*, session: AsyncSession, post_id: int) -> None:
    """The post's text changed or went: so do its translations, which would otherwise keep
    words an author deleted or a moderator took out."""
    await session.exec(delete(PostTranslation).where(col(PostTranslation.post_id) == post_id))
