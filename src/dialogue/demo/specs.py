"""The demo content as typed records: what `content` parses and `checks` verifies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dialogue.policy import Role
from dialogue.threads.models import ReactionKind


@dataclass(frozen=True, slots=True)
class Person:
    key: str
    email: str
    role: Role
    profile: dict[str, Any]  # the account's profile fields, as the accounts service takes them


@dataclass(frozen=True, slots=True)
class PostSpec:
    key: str
    thread: int
    author: str
    body: str
    reply_to: str | None
    offset: timedelta  # from the start of the dialogue
    anonymous: bool
    reactions: tuple[tuple[str, ReactionKind], ...]  # (person, kind), in the order written


@dataclass(frozen=True, slots=True)
class ThreadSpec:
    index: int
    theme: int
    title: str
    posts: tuple[PostSpec, ...]


@dataclass(frozen=True, slots=True)
class ThemeSpec:
    position: int
    title: str
    guiding_questions: str
    summary: str


@dataclass(frozen=True, slots=True)
class PendingSpec:
    thread: int
    author: str
    body: str
    reply_to: str | None


@dataclass(frozen=True, slots=True)
class FlagSpec:
    post: str
    by: str
    reason: str  # a code-of-conduct clause number, or "other"
    note: str


@dataclass(frozen=True, slots=True)
class CodeSpec:
    name: str
    description: str
    colour: str
    posts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Content:
    dialogue: dict[str, str]  # slug, title, summary, code_of_conduct
    people: tuple[Person, ...]
    themes: tuple[ThemeSpec, ...]
    threads: tuple[ThreadSpec, ...]
    pending: PendingSpec
    flag: FlagSpec
    highlights: tuple[str, ...]
    codes: tuple[CodeSpec, ...]

    def posts(self) -> dict[str, PostSpec]:
        return {post.key: post for thread in self.threads for post in thread.posts}

    def person(self, key: str) -> Person:
        return next(p for p in self.people if p.key == key)
