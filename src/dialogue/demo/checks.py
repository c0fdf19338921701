"""Checks of the hand-written demo content: every reference resolves and every time fits.

Run before anything is written, so a broken content.json fails with a message naming the
post at fault rather than half-way through the load or, worse, loading something wrong.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from dialogue.dialogues.conduct import parse_clauses
from dialogue.policy import Role

if TYPE_CHECKING:
    from dialogue.demo.specs import Content, PostSpec

THEME_LENGTH = timedelta(days=7)
# Roles that may write and react (observers only read), as in the policy's contributors.
CONTRIBUTORS = frozenset(Role) - {Role.OBSERVER}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(f"demo content: {message}")


def check_content(content: Content) -> None:
    keys = [person.key for person in content.people]
    _require(len(set(keys)) == len(keys), "two people share a key")
    emails = [person.email.lower() for person in content.people]
    _require(len(set(emails)) == len(emails), "two people share an email")
    roles = {person.key: person.role for person in content.people}
    posts: dict[str, PostSpec] = {}
    for thread in content.threads:
        _require(0 <= thread.theme < len(content.themes), f"thread {thread.index}: no such theme")
        _require(bool(thread.posts), f"thread {thread.index} has no posts")
        _require(thread.posts[0].reply_to is None, f"thread {thread.index} opens with a reply")
        opens = thread.theme * THEME_LENGTH
        previous = None
        for post in thread.posts:
            _require(post.key not in posts, f"{post.key} appears twice")
            _require(roles.get(post.author) in CONTRIBUTORS, f"{post.key}: author cannot post")
            _require(
                opens <= post.offset < opens + THEME_LENGTH, f"{post.key}: outside its theme's week"
            )
            # Posts are listed by id, so a thread's posts must be written in the order shown.
            _require(
                previous is None or previous.offset <= post.offset, f"{post.key}: out of order"
            )
            if post.reply_to is not None:
                parent = posts.get(post.reply_to)
                _require(
                    parent is not None and parent.thread == thread.index,
                    f"{post.key}: replies to a post that is not earlier in its thread",
                )
                assert parent is not None
                _require(parent.offset < post.offset, f"{post.key}: written before its parent")
            reactors = [person for person, _kind in post.reactions]
            _require(len(set(reactors)) == len(reactors), f"{post.key}: someone reacts twice")
            for person in reactors:
                _require(roles.get(person) in CONTRIBUTORS, f"{post.key}: {person} cannot react")
            posts[post.key] = post
            previous = post
    _check_moderation(content, posts, roles)


def _check_moderation(content: Content, posts: dict[str, PostSpec], roles: dict[str, Role]) -> None:
    pending = content.pending
    _require(0 <= pending.thread < len(content.threads), "the pending post's thread is missing")
    # It waits in today's queue, so it belongs to the theme that is open now: the last one.
    _require(
        content.threads[pending.thread].theme == len(content.themes) - 1,
        "the pending post is not in the last theme",
    )
    _require(roles.get(pending.author) in CONTRIBUTORS, "the pending post's author cannot post")
    if pending.reply_to is not None:
        parent = posts.get(pending.reply_to)
        _require(
            parent is not None and parent.thread == pending.thread,
            "the pending post replies outside its thread",
        )
    flag = content.flag
    _require(flag.post in posts, f"the flag names an unknown post {flag.post}")
    _require(roles.get(flag.by) in CONTRIBUTORS, "the flag's reporter cannot flag")
    clauses = {clause.number for clause in parse_clauses(content.dialogue["code_of_conduct"])}
    _require(flag.reason in clauses | {"other"}, f"the flag cites no clause: {flag.reason}")
    for key in content.highlights:
        _require(key in posts, f"highlight of an unknown post {key}")
    names = [code.name for code in content.codes]
    _require(len(set(names)) == len(names), "two codes share a name")
    for code in content.codes:
        for key in code.posts:
            _require(key in posts, f"code {code.name!r} tags an unknown post {key}")
