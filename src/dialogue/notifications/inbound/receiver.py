"""A received reply becomes a post, by the post writer the API and the sockets use.

So the reply meets every rule a reply from the web meets, read in the transaction that
writes it: membership and role, the code of conduct, mutes and bans (also those through an
anonymous post), theme and dialogue open, thread locked, moderation mode, the length limit
and the posting rate. The message's id is the post's `client_id`, so a message delivered
twice (mail servers retry) is posted once.

What creates nothing and tells nobody: an address that is not a valid, unexpired reply
address; an account removed or disabled; automatic mail. Everything else that is refused
is explained by e-mail to the account's own address (`refusals`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError
from dialogue.events.broker import Broker
from dialogue.events.publish import commit
from dialogue.i18n import activate
from dialogue.notifications import outbox
from dialogue.notifications.inbound import refusals
from dialogue.notifications.inbound.message import ReceivedReply, read_reply
from dialogue.notifications.models import MailKind
from dialogue.notifications.reply_tokens import ReplyTarget, read_reply_address
from dialogue.policy import mail_reply_is_anonymous
from dialogue.ratelimit import RateLimit, RateLimits
from dialogue.threads import queries
from dialogue.threads.guards import guard_post_rate
from dialogue.threads.service import MAX_BODY
from dialogue.threads.writer import NewReply, PostWriter

log = logging.getLogger(__name__)

# Explanations per person and hour: whoever holds a leaked reply address cannot flood its
# owner's inbox with them. Past it, refused replies are only logged.
REFUSALS_PER_HOUR = 5


@dataclass(frozen=True, slots=True)
class Inbox:
    """What receiving needs: the app's own resources inside `serve`, or the command's."""

    settings: Settings
    database: Database
    broker: Broker
    post_writer: PostWriter
    limits: RateLimits


class Outcome(StrEnum):
    POSTED = "posted"
    REPEATED = "repeated"  # the same message again: its post exists already
    REFUSED = "refused"  # not posted; the person is told why
    DROPPED = "dropped"  # nothing created, nobody told


async def take_reply(inbox: Inbox, *, recipient: str, sender: str, data: bytes) -> Outcome:
    """Post one received message sent to `recipient`, or say why not."""
    target = read_reply_address(inbox.settings, recipient)
    if target is None or not sender:  # not ours, forged, expired; or a bounce (MAIL FROM:<>)
        return Outcome.DROPPED
    reply = await asyncio.to_thread(read_reply, data)  # parsing megabytes: not on the loop
    if reply.automatic:
        return Outcome.DROPPED
    async with inbox.database.reader() as session:
        user = await session.get(User, target.user_id)
        if user is None or user.disabled_at is not None:
            return Outcome.DROPPED
        allowed, in_thread, in_dialogue = await queries.latest_anonymity(
            session=session, user_id=target.user_id, thread_id=target.thread_id
        )
    activate(_language(inbox.settings, user))
    if reply.sender != user.email.lower():
        await _refuse(inbox, user, target, refusals.OTHER_SENDER, reply)
        return Outcome.REFUSED
    anonymous = mail_reply_is_anonymous(
        allowed=allowed, latest_in_thread=in_thread, latest_in_dialogue=in_dialogue
    )
    try:
        await guard_post_rate(inbox.limits, target.user_id, None)
        written = await inbox.post_writer.write(
            NewReply(
                user_id=target.user_id,
                thread_id=target.thread_id,
                body=reply.text,
                client_id=_client_id(reply, data, target),
                anonymous=anonymous,
            )
        )
    except DialogueError as exc:
        log.info("reply by e-mail refused: %s", exc.code)
        await _refuse(inbox, user, target, _refusal_code(exc), reply)
        return Outcome.REFUSED
    return Outcome.POSTED if written.created else Outcome.REPEATED


def _client_id(reply: ReceivedReply, data: bytes, target: ReplyTarget) -> str:
    """The same message, delivered again, is the same post; sent to two threads' reply
    addresses at once, it is a post in each (a `client_id` is 64 characters at most)."""
    message = reply.message_id.encode("utf-8", "replace") if reply.message_id else data
    source = b"%d\0%s" % (target.thread_id, message)
    return "mail-" + hashlib.sha256(source).hexdigest()[:40]


def _refusal_code(exc: DialogueError) -> str:
    if exc.code == ErrorCode.INVALID and exc.fields:
        return refusals.EMPTY if exc.fields[0].get("message") == "empty" else refusals.TOO_LONG
    return str(exc.code)


def _language(settings: Settings, user: User) -> str:
    return user.language if user.language in settings.languages else settings.default_language


async def _refuse(
    inbox: Inbox, user: User, target: ReplyTarget, code: str, reply: ReceivedReply
) -> None:
    limit = RateLimit(
        "mail-refusals", limit=REFUSALS_PER_HOUR, window=3600, counters=inbox.limits.counters
    )
    if await limit.hit(str(user.id)) is not None:
        log.info("reply by e-mail refused: %s (no explanation: too many this hour)", code)
        return
    async with inbox.database.writing() as session:
        session.info["broker"] = inbox.broker
        thread = await queries.get_thread(session=session, thread_id=target.thread_id)
        dialogue = await session.get(Dialogue, thread.dialogue_id) if thread else None
        place = None
        if thread is not None and dialogue is not None:
            base = inbox.settings.base_url.rstrip("/")
            place = refusals.Place(
                dialogue_title=dialogue.title,
                thread_title=thread.title,
                url=f"{base}/d/{dialogue.slug}/threads/{thread.id}",
            )
        subject, text, html = refusals.refusal_message(
            code=code, display_name=user.display_name, place=place, max_length=MAX_BODY
        )
        # RFC 3834: an automatic answer, which well-behaved software does not answer again.
        headers = {"Auto-Submitted": "auto-replied"}
        if reply.message_id:
            headers |= {"In-Reply-To": reply.message_id, "References": reply.message_id}
        await outbox.enqueue(
            session,
            to=user.email,
            subject=subject,
            text=text,
            html=html,
            kind=MailKind.REFUSAL,
            user_id=user.id,
            headers=headers,
        )
        await commit(session)
