"""Anonymous posts stay anonymous in an archive, whatever else it names.

The database keeps an anonymous post's author (so moderators can act on them unseen), and
that link shows up in the thread it opens, the author's own edits, the notices telling
them what moderators did and their appeals. An archive leaves a file and this server's
access rules behind, so it drops every such link, with or without identities, including
links made by matching values: a notice about an anonymous post (and its appeal) is left
out whole, since its time and reason match the moderation entry about the post; the
appellant of such an appeal is not named in the log; an entry about an anonymous author
keeps its action, reason and post but not its before/after values; and the times a member
joined and accepted the code of conduct keep the day only. The consent the author's
profile gave the post is written into the post, so the report quotes it as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.archive.values import encode
from dialogue.moderation.models import Appeal, AuditEntry, Notice
from dialogue.threads.models import Post

POST_TARGETS = ("post", "post_author")
MEMBER_TIMES = ("created_at", "conduct_accepted_at")


def _anonymous_posts(dialogue_id: int) -> Select[Any]:
    post = Post.__table__.c  # type: ignore[attr-defined]
    return select(post.id).where(post.dialogue_id == dialogue_id, post.anonymous)


def _entries_about_anonymous(dialogue_id: int) -> Select[Any]:
    audit = AuditEntry.__table__.c  # type: ignore[attr-defined]
    return select(audit.id).where(
        audit.dialogue_id == dialogue_id,
        audit.target_type.in_(POST_TARGETS),
        audit.target_id.in_(_anonymous_posts(dialogue_id)),
    )


def withheld(kind: str, dialogue_id: int) -> Select[Any] | None:
    """The ids of `kind` an archive leaves out because they would name an anonymous author."""
    notice = Notice.__table__.c  # type: ignore[attr-defined]
    notices = select(notice.id).where(
        notice.dialogue_id == dialogue_id,
        or_(
            notice.post_id.in_(_anonymous_posts(dialogue_id)),
            notice.audit_entry_id.in_(_entries_about_anonymous(dialogue_id)),
        ),
    )
    if kind == "notice":
        return notices
    if kind == "appeal":
        appeal = Appeal.__table__.c  # type: ignore[attr-defined]
        return select(appeal.id).where(appeal.notice_id.in_(notices))
    return None


def _day(value: datetime | None) -> datetime | None:
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if value else None


@dataclass(frozen=True, slots=True)
class Anonymity:
    authors: dict[int, tuple[int | None, str | None]]  # post -> (author, profile consent)
    opened_threads: frozenset[int]  # threads whose opening post is anonymous
    entries: frozenset[int]  # audit entries about an anonymous post
    appeals: frozenset[int]  # appeals left out (see `withheld`)

    @classmethod
    async def load(cls, *, session: AsyncSession, dialogue_id: int) -> Anonymity:
        post, user = Post.__table__.c, User.__table__.c  # type: ignore[attr-defined]
        anonymous = _anonymous_posts(dialogue_id)
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
        entries = await session.exec(_entries_about_anonymous(dialogue_id))  # type: ignore[call-overload]
        appeals_query = withheld("appeal", dialogue_id)
        assert appeals_query is not None
        appeals = await session.exec(appeals_query)  # type: ignore[call-overload]
        return cls(
            authors=authors,
            opened_threads=frozenset(threads.scalars()),
            entries=frozenset(entries.scalars()),
            appeals=frozenset(appeals.scalars()),
        )

    def hide(self, kind: str, record: dict[str, Any], row: dict[str, Any]) -> None:
        """Unlink `record` (already in archive terms, finished) from any anonymous author."""
        if kind == "thread" and row["id"] in self.opened_threads:
            record["author_id"] = None
        elif kind == "post" and row["id"] in self.authors:
            record["author_id"] = None
            record["quote_consent"] = row["quote_consent"] or self.authors[row["id"]][1]
        elif kind == "revision" and row["post_id"] in self.authors:
            if row["editor_id"] == self.authors[row["post_id"]][0]:
                record["editor_id"] = None
        elif kind == "member":
            for name in MEMBER_TIMES:
                record[name] = encode(_day(row[name]))
        elif kind == "audit":
            if row["target_type"] == "appeal" and row["target_id"] in self.appeals:
                if row["action"] == "appeal.create":
                    record["actor_id"] = None  # the appellant wrote the post
            elif row["target_type"] == "post_author" and row["id"] in self.entries:
                record["before"] = record["after"] = None  # they may match a member's values
