"""What no archive carries, with or without identities: the traces of concerns about conduct.

Concerns themselves, moderators' notes and visits are not record kinds at all; what remains
are the audit entries of a concern's steps and the notices that told its raiser. An archive
leaves this server's access rules behind, and those are read only by whoever handles
concerns, so both stay out whole.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from dialogue.moderation.models import AuditEntry, Notice, NoticeKind
from dialogue.policy import CONFIDENTIAL_TARGETS

CONCERN_NOTICES = (NoticeKind.CONCERN_ACKNOWLEDGED.value, NoticeKind.CONCERN_RESOLVED.value)


def confidential(kind: str, dialogue_id: int) -> Select[Any] | None:
    """The ids of `kind` an archive leaves out because only concern handlers may read them."""
    if kind == "audit":
        audit = AuditEntry.__table__.c  # type: ignore[attr-defined]
        return select(audit.id).where(
            audit.dialogue_id == dialogue_id, audit.target_type.in_(CONFIDENTIAL_TARGETS)
        )
    if kind == "notice":
        notice = Notice.__table__.c  # type: ignore[attr-defined]
        return select(notice.id).where(
            notice.dialogue_id == dialogue_id, notice.kind.in_(CONCERN_NOTICES)
        )
    return None
