"""What an archive holds: one record kind per table, in the order an import must insert them.

A record carries its table's columns by name. A column in `links` holds the archive
reference (`ref`, numbered from 1 per kind in id order) of the record it points to, never a
database id; `dialogue_id` is implied. `key` names the columns that recognise a record
already present when an archive is merged into its dialogue again. `added` names the
fields a later version of the format brought: an older archive has none of them, and its
records read them as null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Table

from dialogue.accounts.models import QuoteConsent, User
from dialogue.dialogues.models import (
    ConductVersion,
    Dialogue,
    DialogueStatus,
    Membership,
    ModerationMode,
    Theme,
    ThemeFacilitator,
)
from dialogue.moderation.models import (
    Appeal,
    AppealStatus,
    AuditEntry,
    Code,
    Flag,
    FlagStatus,
    Notice,
    NoticeKind,
    PostCode,
    UnmaskRequest,
    UnmaskStatus,
)
from dialogue.policy import Role, Visibility
from dialogue.synthesis.models import (
    Report,
    ReportApproval,
    ReportAudience,
    ReportComment,
    ReportRevision,
    ReportSnapshot,
    ReportState,
)
from dialogue.threads.models import Post, PostRevision, PostStatus, Reaction, ReactionKind, Thread


def _values(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(member.value for member in enum)


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    table: Table
    fields: tuple[str, ...]  # columns copied as they are
    links: Mapping[str, str] = field(default_factory=dict)  # column -> kind it refers to
    key: tuple[str, ...] = ()
    choices: Mapping[str, frozenset[str]] = field(default_factory=dict)
    numbered: bool = False  # other records refer to it by `ref`
    via: tuple[str, str] | None = None  # (column, kind) scoping a table with no dialogue_id
    added: Mapping[str, int] = field(default_factory=dict)  # field -> format version that added it

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.fields, *self.links)

    def columns_in(self, version: int) -> tuple[str, ...]:
        """The columns a record of this kind holds in an archive of that format version."""
        return tuple(name for name in self.columns if self.added.get(name, 1) <= version)


def _table(model: type) -> Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


PERSON_FIELDS = (
    "display_name",
    "email",
    "organization",
    "country",
    "language",
    "timezone",
    "quote_consent",
    "constituency",
)
POST_STATUS = {"status": _values(PostStatus)}

KINDS: tuple[Kind, ...] = (
    Kind(
        "dialogue",
        _table(Dialogue),
        (
            "slug",
            "title",
            "summary",
            "visibility",
            "moderation",
            "status",
            "allow_anonymous",
            "conduct_version",
            "flag_threshold",
            "created_at",
            "updated_at",
        ),
        choices={
            "visibility": _values(Visibility),
            "moderation": _values(ModerationMode),
            "status": _values(DialogueStatus),
        },
    ),
    Kind("conduct", _table(ConductVersion), ("version", "text", "created_at"), key=("version",)),
    Kind(
        "person",
        _table(User),
        PERSON_FIELDS,
        key=("email",),
        choices={"quote_consent": _values(QuoteConsent)},
        numbered=True,
    ),
    Kind(
        "member",
        _table(Membership),
        (
            "role",
            "conduct_version",
            "conduct_accepted_at",
            "muted_until",
            "banned_at",
            "trusted",
            "created_at",
        ),
        {"user_id": "person"},
        key=("user_id",),
        choices={"role": _values(Role)},
    ),
    Kind(
        "theme",
        _table(Theme),
        (
            "position",
            "title",
            "guiding_questions",
            "opens_at",
            "closes_at",
            "summary",
            "created_at",
        ),
        key=("created_at", "title"),
        numbered=True,
    ),
    Kind(
        "facilitator",
        _table(ThemeFacilitator),
        (),
        {"theme_id": "theme", "user_id": "person"},
        key=("theme_id", "user_id"),
        via=("theme_id", "theme"),
    ),
    Kind(
        "thread",
        _table(Thread),
        ("title", "status", "locked", "pinned", "post_count", "created_at", "last_activity_at"),
        {"theme_id": "theme", "author_id": "person"},
        key=("created_at", "title"),
        choices=POST_STATUS,
        numbered=True,
    ),
    Kind(
        "post",
        _table(Post),
        (
            "depth",
            "anonymous",
            "quote_consent",
            "body",
            "body_html",
            "status",
            "reply_count",
            "highlighted",
            "created_at",
            "edited_at",
            "moderated_at",
            "lang",
        ),
        {"thread_id": "thread", "parent_id": "post", "author_id": "person"},
        key=("thread_id", "created_at"),
        choices={**POST_STATUS, "quote_consent": _values(QuoteConsent)},
        numbered=True,
        added={"lang": 2},
    ),
    Kind(
        "revision",
        _table(PostRevision),
        ("body", "note", "created_at"),
        {"post_id": "post", "editor_id": "person"},
        key=("post_id", "created_at"),
        via=("post_id", "post"),
    ),
    Kind(
        "reaction",
        _table(Reaction),
        ("kind", "created_at", "updated_at"),
        {"post_id": "post", "user_id": "person"},
        key=("post_id", "user_id"),
        choices={"kind": _values(ReactionKind)},
        via=("post_id", "post"),
    ),
    Kind(
        "code",
        _table(Code),
        ("name", "description", "colour", "created_at"),
        key=("name",),
        numbered=True,
    ),
    Kind(
        "post_code",
        _table(PostCode),
        (),
        {"post_id": "post", "code_id": "code"},
        key=("post_id", "code_id"),
        via=("code_id", "code"),
    ),
    Kind(
        "flag",
        _table(Flag),
        ("reason", "note", "status", "outcome_note", "created_at", "resolved_at"),
        {"post_id": "post", "user_id": "person", "resolved_by": "person"},
        key=("post_id", "user_id", "created_at"),
        choices={"status": _values(FlagStatus)},
    ),
    Kind(
        "unmask",
        _table(UnmaskRequest),
        ("reason", "status", "decision_note", "created_at", "decided_at"),
        {"post_id": "post", "requested_by": "person", "decided_by": "person"},
        key=("post_id", "created_at"),
        choices={"status": _values(UnmaskStatus)},
        numbered=True,
    ),
    Kind(
        "report",
        _table(Report),
        (
            "state",
            "review_round",
            "audience",
            "executive_summary",
            "introduction",
            "recommendations",
            "theme_summaries",
            "created_at",
            "updated_at",
            "published_at",
        ),
        {"updated_by": "person"},
        choices={"state": _values(ReportState), "audience": _values(ReportAudience)},
        numbered=True,
    ),
    Kind(
        "report_comment",
        _table(ReportComment),
        ("section", "body", "created_at"),
        {"report_id": "report", "author_id": "person", "theme_id": "theme"},
        key=("created_at",),
        via=("report_id", "report"),
    ),
    Kind(
        "report_approval",
        _table(ReportApproval),
        ("role", "review_round", "created_at"),
        {"report_id": "report", "user_id": "person"},
        key=("user_id", "review_round"),
        choices={"role": _values(Role)},
        via=("report_id", "report"),
    ),
    Kind(
        "report_revision",
        _table(ReportRevision),
        (
            "version",
            "review_round",
            "executive_summary",
            "introduction",
            "recommendations",
            "theme_summaries",
            "created_at",
        ),
        {"report_id": "report", "created_by": "person"},
        key=("version",),
        via=("report_id", "report"),
    ),
    Kind(
        "report_snapshot",
        _table(ReportSnapshot),
        ("version", "document", "created_at"),
        {"report_id": "report", "created_by": "person"},
        key=("version",),
        via=("report_id", "report"),
    ),
    Kind(
        "notice",
        _table(Notice),
        ("kind", "clause", "clause_version", "reason", "until", "created_at", "read_at"),
        # audit_entry_id points forward (entries come last): set once they are in.
        {"user_id": "person", "post_id": "post", "actor_id": "person", "audit_entry_id": "audit"},
        key=("user_id", "created_at"),
        choices={"kind": _values(NoticeKind)},
        numbered=True,
    ),
    Kind(
        "appeal",
        _table(Appeal),
        ("note", "status", "decision_note", "created_at", "decided_at"),
        {"notice_id": "notice", "user_id": "person", "decided_by": "person"},
        key=("notice_id",),
        choices={"status": _values(AppealStatus)},
        numbered=True,
    ),
    Kind(
        "audit",
        _table(AuditEntry),
        (
            "action",
            "target_type",
            "reason",
            "clause",
            "clause_version",
            "before",
            "after",
            "created_at",
        ),
        {"actor_id": "person", "target_id": "target"},  # target: the kind named by target_type
        key=("created_at", "action"),
        numbered=True,
    ),
)
KIND = {kind.name: kind for kind in KINDS}
ORDER = {kind.name: index for index, kind in enumerate(KINDS)}
FORWARD_LINKS = {("notice", "audit_entry_id")}

# What an audit entry's target_type names, and the kind of record that is.
TARGETS = {
    "dialogue": "dialogue",
    "member": "person",
    "post_author": "post",  # an anonymous author, reached only through their post
    "post": "post",
    "thread": "thread",
    "code": "code",
    "appeal": "appeal",
    "report": "report",
    "audit_entry": "audit",  # an advisor's comment on a moderation decision
}
