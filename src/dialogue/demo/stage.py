"""What the replay of the demo's history works with, and what it has made so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.demo.reactions import ReactionLedger
from dialogue.demo.specs import Content
from dialogue.demo.stamping import Backdates
from dialogue.demo.timeline import Schedule
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.policy import Role
from dialogue.threads.models import Post, Thread


@dataclass
class Stage:
    session: AsyncSession
    content: Content
    plan: Schedule
    backdates: Backdates
    dialogue: Dialogue
    themes: list[Theme]
    users: dict[str, User]
    memberships: dict[str, Membership]
    ledger: ReactionLedger = field(default_factory=ReactionLedger)
    threads: dict[int, Thread] = field(default_factory=dict)  # by the content's thread index
    posts: dict[str, Post] = field(default_factory=dict)  # by the content's post key

    def moderators(self) -> list[User]:
        return [self.users[p.key] for p in self.content.people if p.role == Role.MODERATOR]
