"""The one table of who may do what. Every route and websocket frame asks `can` or `require`.

A caller's standing in a dialogue is one of the contract's six roles, or none (a signed-in
non-member, or nobody signed in). The site-wide admin has the organizer's rights everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


SITE_ACTIONS = frozenset(
    {
        Action.PUBLIC,
        Action.SIGNED_IN,
        Action.DIALOGUE_CREATE,
        Action.DIALOGUE_LIST,
        Action.INVITATION_ACCEPT,
    }
)

_ALL = frozenset(Role)
_CONTRIBUTORS = frozenset(
    {Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR, Role.EXPERT, Role.PARTICIPANT}
)
_STAFF = frozenset({Role.ORGANIZER, Role.MODERATOR})
_REVIEWERS = frozenset({Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR})
_ORGANIZER = frozenset({Role.ORGANIZER})

# Which member roles may take each dialogue action. Reading is special: in a public
# dialogue anyone may read (see `can`), in an invite dialogue only members.
ROLE_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.DIALOGUE_READ: _ALL,
    Action.EVENTS_READ: _ALL,
    Action.SEARCH: _ALL,
    Action.DIALOGUE_UPDATE: _ORGANIZER,
    Action.CONDUCT_ACCEPT: _ALL,
    Action.THEME_CREATE: _ORGANIZER,
    Action.THEME_UPDATE: _STAFF,
    Action.INVITATION_CREATE: _ORGANIZER,
    Action.MEMBERS_READ: _REVIEWERS,
    Action.MEMBER_ROLE_SET: _ORGANIZER,
    Action.MEMBER_MUTE: _STAFF,
    Action.THREAD_CREATE: _CONTRIBUTORS,
    Action.POST_CREATE: _CONTRIBUTORS,
    Action.POST_EDIT_OWN: _CONTRIBUTORS,
    Action.POST_EDIT_ANY: _STAFF,
    Action.POST_REVISIONS_READ: _STAFF,
    Action.POST_REACT: _CONTRIBUTORS,
    Action.POST_FLAG: _CONTRIBUTORS,
    Action.POST_MODERATE: _STAFF,
    Action.POST_SEE_UNPUBLISHED: _STAFF,
    Action.CODEBOOK_MANAGE: _STAFF,
    Action.QUEUE_READ: _STAFF,
    Action.AUDIT_READ: _REVIEWERS,
    Action.REPORT_READ: frozenset({Role.ORGANIZER, Role.ADVISOR}),
    Action.REPORT_EDIT: _STAFF,
    Action.REPORT_REVIEW: _REVIEWERS,
    Action.REPORT_PUBLISH: _ORGANIZER,
    Action.REPORT_DOWNLOAD: _ALL,
    Action.THREAD_MODERATE: _STAFF,
    Action.MEMBER_BAN: _STAFF,
    Action.CODEBOOK_READ: _REVIEWERS,
    Action.APPEAL_DECIDE: _STAFF,
    Action.AUTHOR_UNMASK: _STAFF,
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
        if self.is_admin:
            return Role.ORGANIZER
        if self.banned:
            return None
        return self.role


def can_see_dialogue(standing: Standing) -> bool:
    """Whether the dialogue's existence may be revealed to this caller at all."""
    return standing.visibility == Visibility.PUBLIC or standing.effective_role is not None


def can(action: Action, standing: Standing) -> bool:
    if action == Action.PUBLIC or action == Action.DIALOGUE_LIST:
        return True
    if action in (Action.SIGNED_IN, Action.INVITATION_ACCEPT):
        return standing.signed_in or action == Action.INVITATION_ACCEPT
    if action == Action.DIALOGUE_CREATE:
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


STAFF_ROLES = frozenset({Role.ORGANIZER, Role.MODERATOR})
REVIEWER_ROLES = frozenset({Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR})


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
class ReplyPlace:
    """Plain facts about a thread, seen from one member's socket, that decide a reply there."""

    in_dialogue: bool  # the thread exists and belongs to the socket's dialogue
    takes_posts: bool  # its dialogue and theme are open, and this member may post now
    published: bool
    locked: bool


def may_type(role: Role | None, place: ReplyPlace | None) -> bool:
    """Announcing "is typing" is for those whose reply this thread would take right now.

    The same rule as a reply's (`post.create` for the role, then the thread's state), so an
    observer, a non-member of a public dialogue or a muted member cannot show up as typing,
    and nobody can announce typing in a thread that does not exist.
    """
    if role is None or role not in ROLE_ACTIONS[Action.POST_CREATE] or place is None:
        return False
    if not place.in_dialogue or not place.takes_posts:
        return False
    return role in STAFF_ROLES or (place.published and not place.locked)
