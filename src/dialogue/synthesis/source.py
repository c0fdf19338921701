"""What a report is made from: plain, immutable records loaded once from the database.

The analysis and assembly work only on these, never on a session, so they can run in a
worker thread and be tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dialogue.safety.disclosure import Rules


@dataclass(frozen=True, slots=True)
class Person:
    """A member who wrote at least one published post, with what their profile declares."""

    id: int
    display_name: str
    organization: str
    country: str | None
    constituency: str | None
    quote_consent: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class SourcePost:
    """A published post in a published thread; nothing else ever reaches a report."""

    id: int
    theme_id: int
    thread_id: int
    thread_title: str
    parent_id: int | None
    author_id: int | None
    anonymous: bool
    quote_consent: str | None  # the per-post choice; None means "as in my profile"
    text: str  # plain text, without Markdown
    created_at: datetime
    highlighted: bool
    codes: tuple[str, ...] = ()
    content_warning: str | None = None  # quoted behind it, as the post is shown
    polis_id: str | None = None  # the Pol.is statement (comment) id of an imported post


@dataclass(frozen=True, slots=True)
class SourceTheme:
    id: int
    position: int
    title: str
    guiding_questions: str
    summary: str
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, slots=True)
class Narrative:
    """The parts people write: Markdown, around the generated parts."""

    executive_summary: str = ""
    introduction: str = ""
    recommendations: str = ""
    themes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReportSource:
    slug: str
    title: str
    purpose: str
    moderation: str
    state: str
    themes: tuple[SourceTheme, ...]
    posts: tuple[SourcePost, ...]
    people: dict[int, Person]
    reactions: tuple[tuple[int, int, str], ...]  # (post id, user id, kind), sorted
    members_by_role: dict[str, int]
    status_counts: dict[str, int]  # posts by status, all statuses: the moderation figures
    moderation_actions: dict[str, int]  # audit-log entries by action
    flags: int
    organizers: tuple[str, ...]  # organisations of organizers who consented to be named
    narrative: Narrative
    base_url: str = ""
    # k of k-anonymity: no group, origin or opinion group smaller than this is shown.
    min_group: int = 5
    # What identity-safe quoting looks for: members' names and organisations (every member,
    # not only authors), the dialogue's watch list and phrases (`redaction`).
    identities: Rules = field(default_factory=Rules)
    # The language the report is written in, and where its catalogues are (None: the
    # request's, else the package's).
    language: str = "en"
    catalogues: Path | None = None
    # (theme id, user id) of each theme's facilitators: their prompts in that theme are the
    # dialogue's questions, not participants' views (`quoting.is_staff`).
    facilitators: frozenset[tuple[int, int]] = frozenset()

    @property
    def imported_from_polis(self) -> bool:
        """A Pol.is conversation: voters are its participants, statements its posts."""
        return any(p.polis_id is not None for p in self.posts)
