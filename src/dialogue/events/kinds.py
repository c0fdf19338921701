"""Every kind of event the log holds: the values `append_event` takes and clients switch on."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """One member per kind; `events.payloads` gives each kind the model of its data."""

    POST_CREATED = "post.created"
    POST_UPDATED = "post.updated"
    POST_STATUS = "post.status"
    THREAD_CREATED = "thread.created"
    THREAD_UPDATED = "thread.updated"
    REACTION_CHANGED = "reaction.changed"
    THEME_CREATED = "theme.created"
    THEME_UPDATED = "theme.updated"
    THEME_DELETED = "theme.deleted"
    DIALOGUE_CREATED = "dialogue.created"
    DIALOGUE_UPDATED = "dialogue.updated"
    DIALOGUE_IMPORTED = "dialogue.imported"
    FLAG_CREATED = "flag.created"
    MEMBER_UPDATED = "member.updated"
    AUTHOR_MODERATED = "author.moderated"
    CONDUCT_ACCEPTED = "conduct.accepted"
    REPORT_COMMENTED = "report.commented"
    REPORT_UPDATED = "report.updated"


# The kinds whose data is a post, drawn by the live client from the fragment it carries.
POST_KINDS = frozenset({EventKind.POST_CREATED, EventKind.POST_UPDATED, EventKind.POST_STATUS})
THREAD_KINDS = frozenset({EventKind.THREAD_CREATED, EventKind.THREAD_UPDATED})
