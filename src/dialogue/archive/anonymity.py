"""Anonymous posts stay anonymous in an archive, whatever else it names.

The database keeps an anonymous post's author (so moderators can act on them unseen), and
that link shows up in the thread it opens, the author's own edits, and the notices telling
them what moderators did. An archive leaves a file and this server's access rules behind,
so it drops every such link, with or without identities. The consent the author's profile
gave the post is written into the post, so the report quotes it exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.moderation.models import AuditEntry
from dialogue.threads.models import Post

POST_TARGETS = ("post", "post_author")


@dataclass(frozen=True, slots=True)
class Anonymity:
    authors: dict[int, tuple[int | None, str | None]]  # post -> (author, profile consent)
    opened_threads: frozenset[int]  # threads whose opening post is anonymous
    entries: frozenset[int]  # audit entries about an anonymous post

    @classmethod
    async def load(cls, *, session: AsyncSession, dialogue_id: int) -> Anonymity:
        post, user, audit = Post.__table__.c, User.__table__.c, AuditEntry.__table__.c  # type: ignore[attr-defined]
        anonymous = select(post.id).where(post.dialogue_id == dialogue_id, post.anonymous)
        rows = await session.exec(  # type: ignore[call-overload]
            select(post.id, post.author_id, user.quote_consent)
            .outerjoin(User.__table__, user.id == post.author_id)  # type: ignore[attr-defined]
            .where(post.id.in_(anonymous))
        )
        authors = {row[0]: (row[1], row[2]) for row in rows}
        firsts = (
            select(func.min(post.id).label("id"))
            .where(post.dialogue_id == dialogue_id)
            .group_by(post.thread_id)
            .subquery()
        )
        threads = await session.exec(  # type: ignore[call-overload]
            select(post.thread_id).where(post.id.in_(select(firsts.c.id)), post.anonymous)
        )
        entries = await session.exec(  # type: ignore[call-overload]
            select(audit.id).where(
                audit.dialogue_id == dialogue_id,
                audit.target_type.in_(POST_TARGETS),
                audit.target_id.in_(anonymous),
            )
        )
        return cls(
            authors=authors,
            opened_threads=frozenset(threads.scalars()),
            entries=frozenset(entries.scalars()),
        )

    def hide(self, kind: str, record: dict[str, Any], row: dict[str, Any]) -> None:
        """Unlink `record` (already in archive terms) from any anonymous author."""
        if kind == "thread" and row["id"] in self.opened_threads:
            record["author_id"] = None
        elif kind == "post" and row["id"] in self.authors:
            record["author_id"] = None
            record["quote_consent"] = row["quote_consent"] or self.authors[row["id"]][1]
        elif kind == "revision" and row["post_id"] in self.authors:
            if row["editor_id"] == self.authors[row["post_id"]][0]:
                record["editor_id"] = None
        elif kind == "notice":
            if row["post_id"] in self.authors:
                record["post_id"] = None
            if row["audit_entry_id"] in self.entries:
                record["audit_entry_id"] = None
