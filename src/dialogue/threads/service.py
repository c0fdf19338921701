"""Writing threads and posts: the rules of who may post where, and the events each change makes."""

from __future__ import annotations

from enum import Enum

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.bounds import refuse_control
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, DialogueStatus, Membership, ModerationMode, Theme
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, DialogueError, Forbidden, Invalid
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.markup import render_markdown
from dialogue.policy import (
    ReplyPlace,
    Role,
    ThreadState,
    Viewer,
    enforce,
    may_reply,
    role_in_dialogue,
    skips_queue,
)
from dialogue.safety.holding import hold_reasons
from dialogue.threads import inserts, queries, search
from dialogue.threads.inserts import PostRow
from dialogue.threads.languages import post_language
from dialogue.threads.models import Post, PostRevision, PostStatus, Reaction, ReactionKind, Thread
from dialogue.threads.presenters import PostFields, post_data, thread_data
from dialogue.threads.redaction import redact_events
from dialogue.translation import service as translations

MAX_BODY = 20_000
MAX_WARNING = 200


class Keep(Enum):
    """An edit that leaves the content warning as it was."""

    WARNING = "keep"


KEEP = Keep.WARNING


def _role(user: User, membership: Membership | None) -> Role | None:
    return role_in_dialogue(
        is_admin=user.is_admin, role=Role(membership.role) if membership else None
    )


def thread_state(thread: Thread) -> ThreadState:
    """The thread's part in whether a reply is taken (`policy.may_reply`)."""
    return ThreadState(published=thread.status == PostStatus.PUBLISHED, locked=thread.locked)


def check_can_post(
    *,
    dialogue: Dialogue,
    theme: Theme,
    user: User,
    membership: Membership | None,
    restricted: bool,
) -> None:
    """Everything that stops a member from posting right now, each with its own code.

    `restricted`: a sanction through one of the person's anonymous posts (see
    `moderation.sanctions`); it binds whatever their role, since staff could not know it.
    """
    if dialogue.status != DialogueStatus.OPEN:
        raise Conflict(
            _("This dialogue is not open for contributions."), code=ErrorCode.DIALOGUE_NOT_OPEN
        )
    if not dialogues.theme_is_open(theme):
        raise Conflict(_("This theme is not open for contributions."), code=ErrorCode.THEME_CLOSED)
    if restricted:
        raise Forbidden(_("You are muted in this dialogue for now."), code=ErrorCode.MUTED)
    if user.is_admin and membership is None:
        return
    if membership is None:
        raise Forbidden(_("Only members can post."), code=ErrorCode.FORBIDDEN)
    if dialogue.conduct_version and membership.conduct_version != dialogue.conduct_version:
        raise Forbidden(
            _("Please accept the current code of conduct before posting."),
            code=ErrorCode.CONDUCT_NOT_ACCEPTED,
        )
    if membership.muted_until is not None and membership.muted_until > utcnow():
        raise Forbidden(_("You are muted in this dialogue for now."), code=ErrorCode.MUTED)


def reply_place(found: queries.PostingContext | None, *, dialogue_id: int) -> ReplyPlace | None:
    """The facts `policy.may_type` weighs, read by the checks a reply itself meets."""
    if found is None:
        return None
    try:
        check_can_post(
            dialogue=found.dialogue,
            theme=found.theme,
            user=found.user,
            membership=found.membership,
            restricted=found.restricted,
        )
        takes_posts = True
    except DialogueError:
        takes_posts = False
    return ReplyPlace(
        in_dialogue=found.dialogue.id == dialogue_id,
        takes_posts=takes_posts,
        published=found.thread.status == PostStatus.PUBLISHED,
        locked=found.thread.locked,
    )


def _initial_status(
    dialogue: Dialogue, user: User, membership: Membership | None, *, held: bool
) -> PostStatus:
    """Pending in a pre-moderated dialogue (but for staff and trusted members), and in any
    dialogue when the disclosure detector holds the post: for everyone, staff included."""
    if held:
        return PostStatus.PENDING
    role = _role(user, membership)
    trusted = membership is not None and membership.trusted
    if dialogue.moderation == ModerationMode.PRE and not skips_queue(role, trusted=trusted):
        return PostStatus.PENDING
    return PostStatus.PUBLISHED


def validate_body(body: str) -> str:
    """The rules every post's text meets, however it arrives (typed here or imported)."""
    if not body.strip():
        raise Invalid(_("A post cannot be empty."), fields=[{"field": "body", "message": "empty"}])
    if len(body) > MAX_BODY:
        raise Invalid(
            _("A post can have at most %(n)s characters.") % {"n": MAX_BODY},
            fields=[{"field": "body", "message": f"longer than {MAX_BODY} characters"}],
        )
    refuse_control(body, "body")
    return body


def validate_warning(text: str | None) -> str | None:
    """A content warning is one short line; an empty one is none."""
    if text is None or not text.strip():
        return None
    refuse_control(text, "content_warning", single_line=True)
    warning = " ".join(text.split())
    if len(warning) > MAX_WARNING:
        raise Invalid(
            _("A content warning can have at most %(n)s characters.") % {"n": MAX_WARNING},
            fields=[{"field": "content_warning", "message": f"longer than {MAX_WARNING}"}],
        )
    return warning


async def _check_writable(session: AsyncSession, dialogue_id: int) -> Dialogue | None:
    """An archived dialogue is the record of what was said: nothing in it changes any more."""
    dialogue = await session.get(Dialogue, dialogue_id)
    if dialogue is not None and dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    return dialogue


async def _existing(*, session: AsyncSession, user: User, client_id: str | None) -> Post | None:
    if client_id is None:
        return None
    post_id = await inserts.id_by_client_id(session, user.id, client_id)
    return None if post_id is None else await session.get(Post, post_id)


# Events of unpublished posts go only to staff and the author, so they carry the content
# as staff see it; events of published posts carry what every reader sees.
STAFF_VIEW = Viewer(user_id=None, role=Role.MODERATOR)


async def _emit_post(
    session: AsyncSession, post: PostFields, author: User | None, kind: EventKind
) -> None:
    counts = (
        None  # a post just written has no reactions yet: no query on the hot path
        if kind == EventKind.POST_CREATED
        else (await queries.reaction_counts(session=session, post_ids=[post.id or 0]))[post.id or 0]
    )
    published = post.status == PostStatus.PUBLISHED
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=kind,
        data=post_data(post, author, counts=counts, viewer=None if published else STAFF_VIEW),
        audience=Audience.READERS if published else Audience.STAFF,
        subject_user_id=post.author_id,
    )


async def _emit_thread(
    session: AsyncSession, thread: Thread, author: User, anonymous: bool
) -> None:
    await append_event(
        session=session,
        dialogue_id=thread.dialogue_id,
        kind=EventKind.THREAD_CREATED,
        data=thread_data(thread, author, anonymous=anonymous),
        audience=Audience.READERS if thread.status == PostStatus.PUBLISHED else Audience.STAFF,
        subject_user_id=thread.author_id,
    )


async def create_thread(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    theme: Theme,
    user: User,
    membership: Membership | None,
    title: str,
    body: str,
    client_id: str | None,
    restricted: bool,
    anonymous: bool = False,
    quote_consent: str | None = None,
    content_warning: str | None = None,
    lang: str | None = None,
) -> tuple[Thread, PostFields, bool]:
    """Open a thread with its first post; a repeated `client_id` returns the first result."""
    existing = await _existing(session=session, user=user, client_id=client_id)
    if existing is not None:
        return await _first_thread_result(session=session, user=user, client_id=client_id)
    check_can_post(
        dialogue=dialogue, theme=theme, user=user, membership=membership, restricted=restricted
    )
    validate_body(body)
    refuse_control(title, "title")
    if not title.strip():
        raise Invalid(_("A thread needs a title."), fields=[{"field": "title", "message": "empty"}])
    if anonymous and not dialogue.allow_anonymous:
        raise Forbidden(
            _("This dialogue does not allow anonymous posts."), code=ErrorCode.ANONYMOUS_NOT_ALLOWED
        )
    warning = validate_warning(content_warning)
    held = await hold_reasons(session=session, dialogue=dialogue, body=body)
    status = _initial_status(dialogue, user, membership, held=held is not None)
    assert dialogue.id is not None and theme.id is not None
    thread = Thread(
        dialogue_id=dialogue.id, theme_id=theme.id, title=title, author_id=user.id, status=status
    )
    try:
        async with session.begin_nested():  # a duplicate takes its thread back with it
            session.add(thread)
            await session.flush()
            row = inserts.new_row(
                thread=thread,
                author_id=user.id,
                body=body,
                status=status,
                parent=None,
                anonymous=anonymous,
                quote_consent=quote_consent,
                lang=post_language(body, lang, author_language=user.language),
                client_id=client_id,
                content_warning=warning,
                hold_reasons=held,
            )
            post = await inserts.insert_post(session, row)
            if post is None:
                raise DuplicateClientId
    except DuplicateClientId:
        return await _first_thread_result(session=session, user=user, client_id=client_id)
    _count_published(thread, post)
    await _emit_thread(session, thread, user, anonymous)
    await _emit_post(session, post, user, EventKind.POST_CREATED)
    return thread, post, True


class DuplicateClientId(Exception):
    """The same author's same `client_id` was committed by a concurrent request."""


async def _first_thread_result(
    *, session: AsyncSession, user: User, client_id: str | None
) -> tuple[Thread, Post, bool]:
    existing = await _existing(session=session, user=user, client_id=client_id)
    if existing is None:  # the conflicting row is gone again: report it rather than guess
        raise Conflict(_("This post was already submitted."), code=ErrorCode.DUPLICATE_CLIENT_ID)
    thread = await queries.get_thread(session=session, thread_id=existing.thread_id)
    assert thread is not None
    return thread, existing, False


def _count_published(thread: Thread, post: PostRow) -> None:
    """Show the loaded thread what `insert_post` counted in SQL, without a write of its own."""
    if post.status == PostStatus.PUBLISHED:
        set_committed_value(thread, "post_count", thread.post_count + 1)
        set_committed_value(thread, "last_activity_at", post.created_at)


async def create_post(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    theme: Theme,
    thread: Thread,
    user: User,
    membership: Membership | None,
    body: str,
    parent_id: int | None,
    client_id: str | None,
    restricted: bool,
    anonymous: bool = False,
    quote_consent: str | None = None,
    content_warning: str | None = None,
    lang: str | None = None,
) -> tuple[PostFields, bool]:
    """Add a post or reply; a repeated `client_id` returns the first post instead.

    Every refusal (a `DialogueError`) comes before the first write, so it leaves the
    transaction as it was: the post writer holds other people's posts in it. A repeated
    `client_id` is looked for only when the post is refused or its insert finds one: it is
    rare, and the lookup was one of the costliest statements of every post.
    """
    try:
        row = await _checked_reply(
            session=session,
            dialogue=dialogue,
            theme=theme,
            thread=thread,
            user=user,
            membership=membership,
            body=body,
            parent_id=parent_id,
            client_id=client_id,
            restricted=restricted,
            anonymous=anonymous,
            quote_consent=quote_consent,
            content_warning=content_warning,
            lang=lang,
        )
    except DialogueError:
        existing = await _existing(session=session, user=user, client_id=client_id)
        if existing is None:
            raise
        return existing, False  # sent before, when it was still allowed: the same answer
    post = await inserts.insert_post(session, row)
    if post is None:  # sent before (a retry), or raced in from a second connection
        existing = await _existing(session=session, user=user, client_id=client_id)
        if existing is None:
            raise Conflict(
                _("This post was already submitted."), code=ErrorCode.DUPLICATE_CLIENT_ID
            )
        return existing, False
    _count_published(thread, post)
    await _emit_post(session, post, user, EventKind.POST_CREATED)
    return post, True


async def _checked_reply(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    theme: Theme,
    thread: Thread,
    user: User,
    membership: Membership | None,
    body: str,
    parent_id: int | None,
    client_id: str | None,
    restricted: bool,
    anonymous: bool,
    quote_consent: str | None,
    content_warning: str | None,
    lang: str | None,
) -> PostRow:
    """The reply's row if nothing stops it; reads only."""
    check_can_post(
        dialogue=dialogue, theme=theme, user=user, membership=membership, restricted=restricted
    )
    role = _role(user, membership)
    enforce(may_reply(role, thread_state(thread)))
    validate_body(body)
    warning = validate_warning(content_warning)
    if anonymous and not dialogue.allow_anonymous:
        raise Forbidden(
            _("This dialogue does not allow anonymous posts."), code=ErrorCode.ANONYMOUS_NOT_ALLOWED
        )
    parent = None
    if parent_id is not None:
        parent = await queries.get_post(session=session, post_id=parent_id)
        viewer = Viewer(user_id=user.id, role=role)
        if parent is None or parent.thread_id != thread.id or not _may_reply_to(parent, viewer):
            raise Invalid(
                _("You can only reply to a post of the same thread."),
                code=ErrorCode.INVALID_PARENT,
                fields=[{"field": "parent_id", "message": "not a post of this thread"}],
            )
    held = await hold_reasons(session=session, dialogue=dialogue, body=body)
    return inserts.new_row(
        thread=thread,
        author_id=user.id,
        body=body,
        status=_initial_status(dialogue, user, membership, held=held is not None),
        parent=parent,
        anonymous=anonymous,
        quote_consent=quote_consent,
        lang=post_language(body, lang, author_language=user.language),
        client_id=client_id,
        content_warning=warning,
        hold_reasons=held,
    )


def _may_reply_to(parent: Post, viewer: Viewer) -> bool:
    return parent.status == PostStatus.PUBLISHED or (
        viewer.is_staff and parent.status != PostStatus.DELETED
    )


async def edit_post(
    *,
    session: AsyncSession,
    post: Post,
    editor: User,
    body: str,
    note: str = "",
    content_warning: str | Keep | None = KEEP,
) -> Post:
    """Change a post's text (and its content warning), keeping the previous text as a revision.

    A post still waiting is looked at again: its hold reasons are those of the new text, so
    the moderator sees what it says now (an edit never publishes it: a moderator does).
    """
    if post.status == PostStatus.DELETED:
        raise Conflict(_("A deleted post cannot be edited."), code=ErrorCode.POST_DELETED)
    dialogue = await _check_writable(session, post.dialogue_id)
    validate_body(body)
    if not isinstance(content_warning, Keep):
        post.content_warning = validate_warning(content_warning)
    if post.status == PostStatus.PENDING and dialogue is not None:
        post.hold_reasons = await hold_reasons(session=session, dialogue=dialogue, body=body)
    session.add(PostRevision(post_id=post.id or 0, body=post.body, editor_id=editor.id, note=note))
    post.body = body
    post.body_html = render_markdown(body)
    post.edited_at = utcnow()
    session.add(post)
    await translations.forget_translations(session=session, post_id=post.id or 0)
    await search.index_post(session=session, post=post)
    await session.flush()
    author = await session.get(User, post.author_id) if post.author_id else None
    await _emit_post(session, post, author or editor, EventKind.POST_UPDATED)
    return post


async def set_content_warning(*, session: AsyncSession, post: Post, warning: str | None) -> Post:
    """Put the post behind a warning, or take it away; its text stays as it was."""
    if post.status == PostStatus.DELETED:
        raise Conflict(_("A deleted post cannot be edited."), code=ErrorCode.POST_DELETED)
    await _check_writable(session, post.dialogue_id)
    post.content_warning = validate_warning(warning)
    session.add(post)
    await session.flush()
    author = await session.get(User, post.author_id) if post.author_id else None
    await _emit_post(session, post, author, EventKind.POST_UPDATED)
    return post


async def delete_post(*, session: AsyncSession, post: Post, actor: User) -> Post:
    """Soft delete: the text goes, the place in the thread stays for its replies."""
    if post.status == PostStatus.DELETED:
        return post
    await _check_writable(session, post.dialogue_id)
    was_published = post.status == PostStatus.PUBLISHED
    session.add(
        PostRevision(post_id=post.id or 0, body=post.body, editor_id=actor.id, note="deleted")
    )
    post.status = PostStatus.DELETED
    post.body = ""
    post.body_html = ""
    session.add(post)
    if was_published:
        await _adjust_count(session, post.thread_id, -1)
    await search.unindex_post(session=session, post=post)
    await translations.forget_translations(session=session, post_id=post.id or 0)
    await session.flush()
    await redact_events(session=session, post=post)
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=EventKind.POST_STATUS,
        data=post_data(post, None),
        # A post others never saw (pending, hidden) must not surface through its deletion.
        audience=Audience.READERS if was_published else Audience.STAFF,
        subject_user_id=post.author_id,
    )
    return post


async def _adjust_count(session: AsyncSession, thread_id: int, delta: int) -> None:
    await session.exec(
        update(Thread)
        .where(col(Thread.id) == thread_id)
        .values(post_count=col(Thread.post_count) + delta)
    )


async def set_reaction(
    *, session: AsyncSession, post: Post, user: User, kind: ReactionKind
) -> dict[str, int]:
    """One reaction per person and post; a new one replaces the old."""
    if post.status != PostStatus.PUBLISHED:
        raise Conflict(_("Only published posts take reactions."), code=ErrorCode.POST_NOT_PUBLISHED)
    await _check_writable(session, post.dialogue_id)
    assert user.id is not None and post.id is not None
    reaction = await session.get(Reaction, (post.id, user.id))
    if reaction is None:
        session.add(Reaction(post_id=post.id, user_id=user.id, kind=kind.value))
    elif reaction.kind != kind:
        reaction.kind = kind.value
        reaction.updated_at = utcnow()
        session.add(reaction)
    await session.flush()
    counts = (await queries.reaction_counts(session=session, post_ids=[post.id]))[post.id]
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=EventKind.REACTION_CHANGED,
        data={"post_id": post.id, "thread_id": post.thread_id, "reactions": counts},
    )
    return counts
