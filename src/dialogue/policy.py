"""Every rule of who may do what. Every route and websocket frame asks `can` or `require`.

A caller's standing in a dialogue is one of the contract's six roles, or none (a signed-in
non-member, or nobody signed in). The site-wide admin has the organizer's rights everywhere
(`role_in_dialogue`, the one place that says so).

Beside the table of actions, the rules that also weigh a resource's state are pure functions
over plain values that return a `Refusal` or None: `may_reply`, `may_act_on`,
`may_download`, `may_move_report`. Services enforce them and pages ask the same functions
before offering a form, so a page never offers what the API refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, DialogueError, Forbidden
from dialogue.i18n import gettext as _


class Role(StrEnum):
    ORGANIZER = "organizer"
    MODERATOR = "moderator"
    ADVISOR = "advisor"
    EXPERT = "expert"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class Visibility(StrEnum):
    PUBLIC = "public"
    INVITE = "invite"


class Action(StrEnum):
    # Site-wide actions, not tied to one dialogue.
    PUBLIC = "public"  # anyone, signed in or not: health, login, static pages
    SIGNED_IN = "signed_in"  # any signed-in account: profile, logout
    DIALOGUE_CREATE = "dialogue.create"
    DIALOGUE_LIST = "dialogue.list"  # the list itself is filtered per caller
    INVITATION_ACCEPT = "invitation.accept"  # whoever holds the token
    SITE_ADMIN = "site.admin"  # /admin: people and dialogues of the whole site
    # Actions inside one dialogue.
    DIALOGUE_READ = "dialogue.read"
    DIALOGUE_UPDATE = "dialogue.update"
    CONDUCT_ACCEPT = "conduct.accept"
    THEME_CREATE = "theme.create"
    THEME_UPDATE = "theme.update"
    INVITATION_CREATE = "invitation.create"
    MEMBERS_READ = "members.read"
    MEMBER_ROLE_SET = "member.role.set"
    MEMBER_MUTE = "member.mute"
    THREAD_CREATE = "thread.create"
    POST_CREATE = "post.create"
    POST_EDIT_OWN = "post.edit.own"  # the author's edit and soft delete
    POST_EDIT_ANY = "post.edit.any"  # editing someone else's post, with a note
    POST_REVISIONS_READ = "post.revisions.read"
    POST_REACT = "post.react"
    POST_FLAG = "post.flag"
    SEARCH = "search"
    POST_MODERATE = "post.moderate"
    POST_SEE_UNPUBLISHED = "post.see_unpublished"  # pending, hidden, rejected of others
    CODEBOOK_MANAGE = "codebook.manage"
    QUEUE_READ = "queue.read"
    AUDIT_READ = "audit.read"
    EVENTS_READ = "events.read"
    REPORT_READ = "report.read"
    REPORT_EDIT = "report.edit"  # the narrative: executive summary, theme summaries
    REPORT_REVIEW = "report.review"  # review state, comments, approvals, transitions
    REPORT_PUBLISH = "report.publish"  # publication and who may download it
    REPORT_DOWNLOAD = "report.download"  # the published snapshot, as the organizer allows
    THREAD_MODERATE = "thread.moderate"  # lock, pin, move to another theme
    MEMBER_BAN = "member.ban"
    CODEBOOK_READ = "codebook.read"
    APPEAL_DECIDE = "appeal.decide"
    AUTHOR_UNMASK = "author.unmask"  # request or approve revealing an anonymous author
    THEME_DELETE = "theme.delete"
    CONCERN_RAISE = "concern.raise"  # raise one, and follow one's own
    CONCERN_HANDLE = "concern.handle"  # read every concern of the dialogue and move them on
    NOTE_MANAGE = "note.manage"  # moderators' private notes on members and threads
    ADVISORY_READ = "advisory.read"  # the advisory council's dashboard
    DECISION_COMMENT = "decision.comment"  # an advisor's comment on a moderation decision
    ADVISORY_ASK = "advisory.ask"  # an advisor's logged question to the organizers
    MENTION_SUGGEST = "mention.suggest"  # names to complete an @mention in the composer


SITE_ACTIONS = frozenset(
    {
        Action.PUBLIC,
        Action.SIGNED_IN,
        Action.DIALOGUE_CREATE,
        Action.DIALOGUE_LIST,
        Action.INVITATION_ACCEPT,
        Action.SITE_ADMIN,
    }
)

_ALL = frozenset(Role)
CONTRIBUTOR_ROLES = frozenset(
    {Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR, Role.EXPERT, Role.PARTICIPANT}
)
STAFF_ROLES = frozenset({Role.ORGANIZER, Role.MODERATOR})
REVIEWER_ROLES = frozenset({Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR})
REPORT_READER_ROLES = frozenset({Role.ORGANIZER, Role.ADVISOR})
_ORGANIZER = frozenset({Role.ORGANIZER})
_ADVISOR = frozenset({Role.ADVISOR})

# Which member roles may take each dialogue action. Reading is special: in a public
# dialogue anyone may read (see `can`), in an invite dialogue only members.
ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.DIALOGUE_READ: _ALL,
    Action.EVENTS_READ: _ALL,
    Action.SEARCH: _ALL,
    Action.DIALOGUE_UPDATE: _ORGANIZER,
    Action.CONDUCT_ACCEPT: _ALL,
    Action.THEME_CREATE: _ORGANIZER,
    Action.THEME_UPDATE: STAFF_ROLES,
    Action.INVITATION_CREATE: _ORGANIZER,
    Action.MEMBERS_READ: REVIEWER_ROLES,
    Action.MEMBER_ROLE_SET: _ORGANIZER,
    Action.MEMBER_MUTE: STAFF_ROLES,
    Action.THREAD_CREATE: CONTRIBUTOR_ROLES,
    Action.POST_CREATE: CONTRIBUTOR_ROLES,
    Action.POST_EDIT_OWN: CONTRIBUTOR_ROLES,
    Action.POST_EDIT_ANY: STAFF_ROLES,
    Action.POST_REVISIONS_READ: STAFF_ROLES,
    Action.POST_REACT: CONTRIBUTOR_ROLES,
    Action.POST_FLAG: CONTRIBUTOR_ROLES,
    Action.POST_MODERATE: STAFF_ROLES,
    Action.POST_SEE_UNPUBLISHED: STAFF_ROLES,
    Action.CODEBOOK_MANAGE: STAFF_ROLES,
    Action.QUEUE_READ: STAFF_ROLES,
    Action.AUDIT_READ: REVIEWER_ROLES,
    Action.REPORT_READ: REPORT_READER_ROLES,
    Action.REPORT_EDIT: STAFF_ROLES,
    Action.REPORT_REVIEW: REVIEWER_ROLES,
    Action.REPORT_PUBLISH: _ORGANIZER,
    Action.REPORT_DOWNLOAD: _ALL,
    Action.THREAD_MODERATE: STAFF_ROLES,
    Action.MEMBER_BAN: STAFF_ROLES,
    Action.CODEBOOK_READ: REVIEWER_ROLES,
    Action.APPEAL_DECIDE: STAFF_ROLES,
    Action.AUTHOR_UNMASK: STAFF_ROLES,
    Action.THEME_DELETE: _ORGANIZER,
    Action.CONCERN_RAISE: _ALL,
    Action.CONCERN_HANDLE: REPORT_READER_ROLES,
    Action.NOTE_MANAGE: STAFF_ROLES,
    Action.ADVISORY_READ: REPORT_READER_ROLES,
    Action.DECISION_COMMENT: _ADVISOR,
    Action.ADVISORY_ASK: _ADVISOR,
    Action.MENTION_SUGGEST: CONTRIBUTOR_ROLES,  # those with a composer: members who post
}

_PUBLIC_READ = frozenset(
    {Action.DIALOGUE_READ, Action.EVENTS_READ, Action.SEARCH, Action.REPORT_DOWNLOAD}
)


@dataclass(frozen=True, slots=True)
class Standing:
    """What the policy needs to know about a caller in one dialogue."""

    signed_in: bool
    is_admin: bool
    role: Role | None
    visibility: Visibility | None = None
    banned: bool = False

    @property
    def effective_role(self) -> Role | None:
        return role_in_dialogue(is_admin=self.is_admin, role=None if self.banned else self.role)


def role_in_dialogue(*, is_admin: bool, role: Role | None) -> Role | None:
    """The role a caller acts with: a site admin counts as an organizer, member or not."""
    return Role.ORGANIZER if is_admin else role


def can_see_dialogue(standing: Standing) -> bool:
    """Whether the dialogue's existence may be revealed to this caller at all."""
    return standing.visibility == Visibility.PUBLIC or standing.effective_role is not None


def can(action: Action, standing: Standing) -> bool:
    if action == Action.PUBLIC or action == Action.DIALOGUE_LIST:
        return True
    if action in (Action.SIGNED_IN, Action.INVITATION_ACCEPT):
        return standing.signed_in or action == Action.INVITATION_ACCEPT
    if action in (Action.DIALOGUE_CREATE, Action.SITE_ADMIN):
        return standing.is_admin
    role = standing.effective_role
    if role is None:
        return action in _PUBLIC_READ and standing.visibility == Visibility.PUBLIC
    return role in ROLE_ACTIONS[action]


def denial_status(action: Action, standing: Standing) -> int:
    """404 hides an invite dialogue from outsiders; 401 asks to sign in; 403 refuses."""
    if action not in SITE_ACTIONS and not can_see_dialogue(standing):
        return 404
    if not standing.signed_in:
        return 401
    return 403


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose view of a dialogue's content to produce: lists, search, events and pages alike."""

    user_id: int | None
    role: Role | None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a rule says no: the contract's code, its status, and the sentence people read.

    403 when the caller's standing refuses, 409 when the resource's state does.
    """

    code: ErrorCode
    message: str
    status: Literal[403, 409] = 403

    def error(self) -> DialogueError:
        kind = Conflict if self.status == 409 else Forbidden
        return kind(self.message, code=self.code)


def enforce(refusal: Refusal | None) -> None:
    """Raise the refusal's error, if the rule refused; services call this, pages show it."""
    if refusal is not None:
        raise refusal.error()


def _not_allowed() -> Refusal:
    return Refusal(ErrorCode.FORBIDDEN, _("You are not allowed to do this."))


@dataclass(frozen=True, slots=True)
class ThreadState:
    """What a reply to a thread depends on, apart from the dialogue's and theme's state."""

    published: bool
    locked: bool


def may_reply(role: Role | None, thread: ThreadState) -> Refusal | None:
    """A reply in an existing thread: staff answer in a locked or unpublished one too.

    The role's right to post at all is `can(Action.POST_CREATE, ...)`; this is what the
    thread adds to it.
    """
    if role in STAFF_ROLES:
        return None
    if thread.locked:
        return Refusal(ErrorCode.THREAD_LOCKED, _("This thread is locked."), 409)
    if not thread.published:
        return Refusal(
            ErrorCode.THREAD_NOT_PUBLISHED, _("This thread is not open for replies."), 409
        )
    return None


def mail_reply_is_anonymous(
    *, allowed: bool, latest_in_thread: bool | None, latest_in_dialogue: bool | None
) -> bool:
    """Whether a reply by e-mail, which has no "post anonymously" box, is anonymous.

    It keeps the person's choice of their latest post in the thread, else in the dialogue:
    a named reply under one's own anonymous post would tie the two together. With no post
    yet it is anonymous, the choice that exposes nobody. Never where the dialogue allows
    no anonymous posts (the web refuses those too).
    """
    if not allowed:
        return False
    latest = latest_in_thread if latest_in_thread is not None else latest_in_dialogue
    return True if latest is None else latest


def skips_queue(role: Role | None, *, trusted: bool) -> bool:
    """Whether a post is published at once in a pre-moderated dialogue: staff, trusted members."""
    return role in STAFF_ROLES or trusted


@dataclass(frozen=True, slots=True)
class ReplyPlace(ThreadState):
    """Plain facts about a thread, seen from one member's socket, that decide a reply there."""

    in_dialogue: bool  # the thread exists and belongs to the socket's dialogue
    takes_posts: bool  # its dialogue and theme are open, and this member may post now


def may_type(role: Role | None, place: ReplyPlace | None) -> bool:
    """Announcing "is typing" is for those whose reply this thread would take right now.

    The same rule as a reply's (`post.create` for the role, then `may_reply`), so an
    observer, a non-member of a public dialogue or a muted member cannot show up as typing,
    and nobody can announce typing in a thread that does not exist.
    """
    if role is None or role not in ROLE_ACTIONS[Action.POST_CREATE] or place is None:
        return False
    if not place.in_dialogue or not place.takes_posts:
        return False
    return may_reply(role, place) is None


# Member actions only an organizer takes; the others (mute, ban, ...) are for all staff.
ORGANIZER_MEMBER_ACTS = frozenset({"trust", "untrust", "role"})


def may_act_on(role: Role | None, target_role: Role, *, act: str, on_self: bool) -> Refusal | None:
    """A member action (`act`: mute, ban, trust, role, ...) on a member with `target_role`.

    Nobody acts on themselves, and only organizers act on staff. Not for an anonymous
    post's author (`moderation.sanctions`): there the author's role must change no answer.
    """
    if role not in ROLE_ACTIONS[Action.MEMBER_MUTE]:
        return _not_allowed()
    if on_self:
        return Refusal(ErrorCode.SELF_ACTION, _("You cannot do this to yourself."))
    if act in ORGANIZER_MEMBER_ACTS and role != Role.ORGANIZER:
        return Refusal(ErrorCode.FORBIDDEN, _("Only organizers change roles and trust."))
    if role != Role.ORGANIZER and target_role in STAFF_ROLES:
        return Refusal(ErrorCode.FORBIDDEN, _("Only organizers act on moderators and organizers."))
    return None


# Every member action a page may offer, in the order the members page shows them.
MEMBER_ACTS = ("role", "trust", "untrust", "mute", "unmute", "ban", "unban")


def member_acts(role: Role | None, target_role: Role, *, on_self: bool) -> frozenset[str]:
    """The member actions `may_act_on` allows this reader on this member: what a page offers."""
    return frozenset(
        act
        for act in MEMBER_ACTS
        if may_act_on(role, target_role, act=act, on_self=on_self) is None
    )


class ReportState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


class ReportAudience(StrEnum):
    """Who may download the published report, as the organizer decides."""

    REVIEWERS = "reviewers"  # organizers and advisors only
    MEMBERS = "members"  # every member of the dialogue
    PUBLIC = "public"  # anyone who may see the dialogue


def may_download(role: Role | None, audience: ReportAudience | str) -> Refusal | None:
    """The published report, for a reader with `role` (None: not a member)."""
    if audience == ReportAudience.PUBLIC:
        return None
    if audience == ReportAudience.MEMBERS and role is not None:
        return None
    if role in REPORT_READER_ROLES:
        return None
    return Refusal(ErrorCode.FORBIDDEN, _("The organizers have not shared this report with you."))


_R = ReportState

# The report's sign-off steps: (from, to) -> roles that may take that step. Publishing is
# final: a published report is frozen, and a new edition would be a new review round.
REPORT_STEPS: dict[tuple[ReportState, ReportState], frozenset[Role]] = {
    (_R.DRAFT, _R.IN_REVIEW): STAFF_ROLES,
    (_R.IN_REVIEW, _R.APPROVED): REPORT_READER_ROLES,
    (_R.IN_REVIEW, _R.DRAFT): REVIEWER_ROLES,
    (_R.APPROVED, _R.DRAFT): REVIEWER_ROLES,
    (_R.APPROVED, _R.PUBLISHED): _ORGANIZER,
}


@dataclass(frozen=True, slots=True)
class ReportReview:
    """The facts about a report that its next step depends on."""

    state: ReportState
    has_advisors: bool
    advisor_approved: bool  # in the current review round


def may_move_report(role: Role | None, report: ReportReview, to: ReportState) -> Refusal | None:
    """One sign-off step of the report, by a caller with `role`."""
    allowed = REPORT_STEPS.get((report.state, to))
    if allowed is None:
        return Refusal(
            ErrorCode.INVALID_TRANSITION,
            _("A report cannot go from {current} to {to}.").format(current=report.state, to=to),
            409,
        )
    if role not in allowed:
        return _not_allowed()
    if to == _R.APPROVED and role == Role.ORGANIZER and report.has_advisors:
        # The advisory council reviews; an organizer approves only where there is none.
        return Refusal(
            ErrorCode.FORBIDDEN,
            _("This dialogue has advisors: one of them must approve the report."),
        )
    if to == _R.PUBLISHED and report.has_advisors and not report.advisor_approved:
        return Refusal(
            ErrorCode.ADVISOR_APPROVAL_REQUIRED,
            _("An advisor must approve the report before it is published."),
            409,
        )
    return None


@dataclass(frozen=True, slots=True)
class StaffTools:
    """Which moderators' tools a thread page (or its live fragment) offers its reader.

    Built from the same `can` the routes ask, so a reader never sees a tool they may not use.
    """

    moderate: bool  # hide, unhide, highlight a post
    edit_any: bool  # edit someone's post with a note
    code: bool  # apply the codebook's codes
    thread: bool  # lock, pin, move the thread

    @classmethod
    def of(cls, allowed: Callable[[Action], bool]) -> StaffTools:
        return cls(
            moderate=allowed(Action.POST_MODERATE),
            edit_any=allowed(Action.POST_EDIT_ANY),
            code=allowed(Action.CODEBOOK_MANAGE),
            thread=allowed(Action.THREAD_MODERATE),
        )


def may_delete_theme(thread_count: int) -> Refusal | None:
    """A theme goes only while it holds no thread: deleting it would take their posts along."""
    if thread_count:
        return Refusal(
            ErrorCode.THEME_HAS_THREADS,
            _("This theme has threads: it cannot be deleted, or their posts would be lost."),
            409,
        )
    return None


@dataclass(frozen=True, slots=True)
class NameShown:
    """The facts of a post under which every member of its dialogue reads its author's name."""

    anonymous: bool
    post_status: str
    thread_status: str


# The only names offered to complete an @mention: those the dialogue already shows its
# members, as the author of a published post in a published thread under their own name.
# Never an anonymous author's (nor that of someone who only ever wrote anonymously), never
# someone known only from another dialogue, a pending post or the member list.
MENTIONABLE = NameShown(anonymous=False, post_status="published", thread_status="published")


class ConcernStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


_C = ConcernStatus
CONCERN_STEPS = frozenset(
    {(_C.OPEN, _C.ACKNOWLEDGED), (_C.OPEN, _C.RESOLVED), (_C.ACKNOWLEDGED, _C.RESOLVED)}
)


def may_move_concern(current: ConcernStatus, to: ConcernStatus) -> Refusal | None:
    """A concern only moves forward: open, then acknowledged, then resolved."""
    if (current, to) not in CONCERN_STEPS:
        return Refusal(
            ErrorCode.INVALID_TRANSITION,
            _("A concern cannot go from {current} to {to}.").format(current=current, to=to),
            409,
        )
    return None


# Audit entries whose target only some readers of the log may know of: a concern's steps
# are for those who handle concerns (organizers, advisors), not for every moderator.
CONFIDENTIAL_TARGETS: dict[str, Action] = {"concern": Action.CONCERN_HANDLE}


def hidden_audit_targets(allowed: Callable[[Action], bool]) -> frozenset[str]:
    """The audit targets a reader of the log may not see, asked through their `can`."""
    return frozenset(t for t, action in CONFIDENTIAL_TARGETS.items() if not allowed(action))
