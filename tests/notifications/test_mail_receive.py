"""Replies by e-mail over real SMTP: each client's style becomes a clean post, under the
web's rules; forged, expired and unknown addresses create nothing and reveal nothing."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import aiosmtplib
import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import select

from dialogue.accounts.models import User
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Theme
from dialogue.notifications.inbound.receiver import REFUSALS_PER_HOUR
from dialogue.notifications.models import MailKind, OutboxMessage
from dialogue.notifications.reply_tokens import reply_address, reply_token
from dialogue.state import app_state
from dialogue.threads.models import Post, Thread
from tests.dialogues.cast import API, Cast, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.notifications.mail_replies import DOMAIN, deliver, posts_in, reply_mail, reply_server
from tests.notifications.scene import hold_scheduler, run_mail
from tests.notifications.smtp_sink import SmtpSink
from tests.services import free_port

DIALOGUE = Path(sys.executable).with_name("dialogue")
REPLIES = Path(__file__).parent / "replies"
HTML_REPLIES = Path(__file__).parent / "html_replies"


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret",
        base_url="http://testserver",
        check_events=True,
        smtp_url=smtp.url,  # refusals really leave, through the outbox
        mail_from="Dialogue <noreply@dialogue.example>",
        mail_reply_domain=DOMAIN,
        old_secret_keys=("the-previous-secret",),
        posts_per_minute=100,  # one person sends every style in a row
    )


def address_of(settings: Settings, cast: Cast, who: str, thread_id: int) -> str:
    address = reply_address(settings, user_id=cast.uid(who), thread_id=thread_id)
    assert address is not None
    return address


async def opened(client: AsyncClient, cast: Cast, **fields: object) -> int:
    return int((await new_thread(client, cast, "participant", **fields))["id"])


class TestQuotingStyles:
    async def test_each_clients_reply_becomes_a_clean_post(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant", "expert"))
        thread_id = await opened(client, cast)
        to = address_of(settings, cast, "expert", thread_id)
        names = sorted(p.name.removesuffix(".trimmed.txt") for p in REPLIES.glob("*.trimmed.txt"))
        expected = [(REPLIES / f"{n}.trimmed.txt").read_text().strip() for n in names]
        names = [n for n, text in zip(names, expected, strict=True) if text]
        async with reply_server(app) as server:
            for name in names:
                mail = reply_mail(
                    sender=cast.users["expert"].email,
                    to=to,
                    text=(REPLIES / f"{name}.txt").read_text(encoding="utf-8"),
                )
                errors, answer = await deliver(server.port, mail)
                assert errors == {} and answer.startswith("2.0.0"), (name, answer)
            await server.handler.drain()
        posts = (await posts_in(app, thread_id))[1:]
        # Each message is taken on its own task, after its 250: posts come in any order.
        bodies = sorted(p.body for p in posts)
        assert bodies == sorted((REPLIES / f"{n}.trimmed.txt").read_text().strip() for n in names)
        assert {p.author_id for p in posts} == {cast.uid("expert")}
        assert all(p.status == "published" for p in posts)

    async def test_html_only_reply_is_posted_as_markdown(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        html = (HTML_REPLIES / "gmail.html").read_text(encoding="utf-8")
        mail = reply_mail(
            sender=cast.users["participant2"].email.upper(),  # addresses compare without case
            to=address_of(settings, cast, "participant2", thread_id).upper(),
            html=html,
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await server.handler.drain()
        post = (await posts_in(app, thread_id))[-1]
        assert post.body == (HTML_REPLIES / "gmail.md").read_text(encoding="utf-8")
        assert "<strong>men’s own stories</strong>" in post.body_html or (
            "<strong>men's own stories</strong>" in post.body_html
        )
        assert "gmail_quote" not in post.body_html and "wrote:" not in post.body

    async def test_a_message_delivered_twice_is_posted_once(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        mail = reply_mail(
            sender=cast.users["participant2"].email,
            to=address_of(settings, cast, "participant2", thread_id),
            text="Sent once, delivered twice.",
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await deliver(server.port, mail)  # a sending server's retry
            await server.handler.drain()
        assert [p.body for p in await posts_in(app, thread_id)][1:] == [
            "Sent once, delivered twice."
        ]

    async def test_a_pre_moderated_dialogue_queues_the_reply(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant", "moderator"), moderation="pre")
        thread_id = int((await new_thread(client, cast, "moderator"))["id"])
        mail = reply_mail(
            sender=cast.users["participant"].email,
            to=address_of(settings, cast, "participant", thread_id),
            text="Waits for a moderator.",
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await server.handler.drain()
        post = (await posts_in(app, thread_id))[-1]
        assert (post.body, post.status) == ("Waits for a moderator.", "pending")
        listed = await client.get(
            f"{API}/threads/{thread_id}/posts", headers=cast.h("participant2")
        )
        assert "Waits for a moderator." not in listed.text


def forged_tokens(settings: Settings, user_id: int, thread_id: int) -> dict[str, str]:
    good = reply_token(settings, user_id=user_id, thread_id=thread_id)
    raw = bytearray(base64.b32decode(good.upper() + "===="[: -len(good) % 8]))
    raw[-1] ^= 1  # one bit of the signature
    flipped = base64.b32encode(bytes(raw)).decode().rstrip("=").lower()
    raw = bytearray(base64.b32decode(good.upper() + "===="[: -len(good) % 8]))
    raw[7] ^= 1  # another user id under the same signature
    other_user = base64.b32encode(bytes(raw)).decode().rstrip("=").lower()
    other_key = reply_token(
        settings.model_copy(update={"secret_key": "a guessed key"}),
        user_id=user_id,
        thread_id=thread_id,
    )
    expired = reply_token(
        settings,
        user_id=user_id,
        thread_id=thread_id,
        today=date.today() - timedelta(days=settings.mail_reply_days + 2),
    )
    return {
        "flipped signature": flipped,
        "other user": other_user,
        "other key": other_key,
        "expired": expired,
        "garbage": "a" * 45,
        "short": "abc",
    }


class TestAddressesThatCreateNothing:
    async def test_forged_expired_and_unknown_addresses_are_accepted_and_dropped(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        before = await rows(app, Post)
        sender = cast.users["participant2"].email
        tokens = forged_tokens(settings, cast.uid("participant2"), thread_id)
        async with reply_server(app) as server:
            for why, token in tokens.items():
                mail = reply_mail(sender=sender, to=f"reply+{token}@{DOMAIN}", text=why)
                errors, answer = await deliver(server.port, mail)
                # The very answer a valid address gets: nothing tells a forger it failed.
                assert (errors, answer[:5]) == ({}, "2.0.0"), why
            await server.handler.drain()
        assert await rows(app, Post) == before
        assert await outbox_rows(app) == 0

    async def test_an_old_key_still_verifies(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        old = settings.model_copy(update={"secret_key": "the-previous-secret"})
        mail = reply_mail(
            sender=cast.users["participant2"].email,
            to=address_of(old, cast, "participant2", thread_id),
            text="Signed before the key changed.",
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await server.handler.drain()
        assert (await posts_in(app, thread_id))[-1].body == "Signed before the key changed."

    async def test_other_domains_are_not_relayed(self, app: FastAPI) -> None:
        mail = reply_mail(sender="someone@example.org", to="victim@example.org", text="Relay me.")
        async with reply_server(app) as server:
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
                await deliver(server.port, mail)
        assert refused.value.recipients[0].code == 550

    async def test_a_disabled_account_and_automatic_mail_create_nothing(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        async with db(app).session() as session:
            user = await session.get(User, cast.uid("participant2"))
            assert user is not None
            user.disabled_at = utcnow()
            session.add(user)
            await session.commit()
        before = await rows(app, Post)
        to_disabled = address_of(settings, cast, "participant2", thread_id)
        to_member = address_of(settings, cast, "participant", thread_id)
        sender = cast.users["participant"].email
        async with reply_server(app) as server:
            await deliver(
                server.port,
                reply_mail(
                    sender=cast.users["participant2"].email,
                    to=to_disabled,
                    text="From a removed account.",
                ),
            )
            for headers in ({"Auto-Submitted": "auto-replied"}, {"Precedence": "bulk"}):
                mail = reply_mail(sender=sender, to=to_member, text="I am away.", headers=headers)
                await deliver(server.port, mail)
            await deliver(
                server.port,
                reply_mail(sender=sender, to=to_member, text="Out of office until Monday."),
                envelope_from="",  # a bounce
            )
            out_of_office = reply_mail(sender=sender, to=to_member, text="Back on Monday.")
            out_of_office.replace_header("Subject", "Out of Office: A thread")
            await deliver(server.port, out_of_office)
            await server.handler.drain()
        assert await rows(app, Post) == before
        assert await outbox_rows(app) == 0


class TestAnonymity:
    async def test_the_reply_keeps_the_persons_choice_and_defaults_to_anonymous(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(
            factory, roles=("participant", "moderator", "expert"), allow_anonymous=True
        )
        thread_id = await opened(client, cast)
        await new_post(client, cast, "participant2", thread_id, body="Hidden.", anonymous=True)
        await new_post(client, cast, "expert", thread_id, body="Named.")
        async with reply_server(app) as server:
            for who in ("participant2", "expert", "moderator"):  # moderator: no post yet
                mail = reply_mail(
                    sender=cast.users[who].email,
                    to=address_of(settings, cast, who, thread_id),
                    text=f"By e-mail from {who}.",
                )
                await deliver(server.port, mail)
            await server.handler.drain()
        by_mail = {p.body: p.anonymous for p in await posts_in(app, thread_id)}
        assert by_mail["By e-mail from participant2."] is True
        assert by_mail["By e-mail from expert."] is False
        assert by_mail["By e-mail from moderator."] is True
        listed = await client.get(f"{API}/threads/{thread_id}/posts", headers=cast.h("moderator"))
        shown = next(p for p in listed.json()["items"] if p["body"].endswith("participant2."))
        assert cast.users["participant2"].display_name not in str(shown)

    async def test_a_dialogue_without_anonymity_posts_named(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        mail = reply_mail(
            sender=cast.users["participant2"].email,
            to=address_of(settings, cast, "participant2", thread_id),
            text="Named, as the dialogue wants.",
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await server.handler.drain()
        post = (await posts_in(app, thread_id))[-1]
        assert (post.body, post.anonymous) == ("Named, as the dialogue wants.", False)


async def outbox_rows(app: FastAPI) -> int:
    return await rows(app, OutboxMessage)


async def refusals_to(app: FastAPI, address: str) -> list[OutboxMessage]:
    async with db(app).session() as session:
        found = await session.exec(
            select(OutboxMessage).where(
                OutboxMessage.to_address == address, OutboxMessage.kind == MailKind.REFUSAL
            )
        )
        return list(found.all())


async def lock(app: FastAPI, thread_id: int) -> None:
    async with db(app).session() as session:
        thread = await session.get(Thread, thread_id)
        assert thread is not None
        thread.locked = True
        session.add(thread)
        await session.commit()


async def mute(app: FastAPI, cast: Cast, who: str, *, ban: bool = False) -> None:
    async with db(app).session() as session:
        membership = await dialogues.get_membership(
            session=session, dialogue_id=cast.dialogue.id or 0, user_id=cast.uid(who)
        )
        assert membership is not None
        if ban:
            membership.banned_at = utcnow()
        else:
            membership.muted_until = utcnow() + timedelta(hours=1)
        session.add(membership)
        await session.commit()


async def close_theme(app: FastAPI, cast: Cast) -> None:
    async with db(app).session() as session:
        theme = await session.get(Theme, cast.theme.id)
        assert theme is not None
        theme.closes_at = utcnow() - timedelta(minutes=1)
        session.add(theme)
        await session.commit()


async def set_language(app: FastAPI, user_id: int, language: str) -> None:
    async with db(app).session() as session:
        user = await session.get(User, user_id)
        assert user is not None
        user.language = language
        session.add(user)
        await session.commit()


class TestRefusals:
    @pytest.mark.parametrize(
        ("case", "who", "reason"),
        [
            ("theme closed", "participant2", "The theme of this conversation is closed"),
            ("thread locked", "participant2", "The moderators have locked this conversation."),
            ("muted", "participant2", "You are muted in this dialogue for now."),
            ("not a member", "outsider", "You can no longer post in this conversation."),
            ("banned", "participant2", "You can no longer post in this conversation."),
            ("too long", "participant2", "longer than 20000 characters"),
            ("nothing new", "participant2", "We found no words of your own"),
            ("conduct not accepted", "newcomer", "code of conduct has changed"),
            ("another sender", "participant2", "came from another address"),
        ],
    )
    async def test_a_refused_reply_creates_nothing_and_is_explained_by_mail(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        smtp: SmtpSink,
        case: str,
        who: str,
        reason: str,
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        cast.users["newcomer"] = await factory.member(cast.dialogue, "participant", accepted=False)
        thread_id = await opened(client, cast, title="Safe venues")
        text = {"too long": "x" * 20_001, "nothing new": "> Only the quote.\n"}.get(case, "Hi.")
        sender = cast.users[who].email
        if case == "another sender":
            sender = "someone.else@example.org"
        elif case == "theme closed":
            await close_theme(app, cast)
        elif case == "thread locked":
            await lock(app, thread_id)
        elif case == "muted":
            await mute(app, cast, who)
        elif case == "banned":
            await mute(app, cast, who, ban=True)
        before = await rows(app, Post)
        mail = reply_mail(sender=sender, to=address_of(settings, cast, who, thread_id), text=text)
        async with reply_server(app) as server:
            errors, answer = await deliver(server.port, mail)
            assert (errors, answer[:5]) == ({}, "2.0.0")
            await server.handler.drain()
        assert await rows(app, Post) == before
        [refusal] = await refusals_to(app, cast.users[who].email)  # written to the outbox
        assert refusal.user_id == cast.uid(who)
        [sent] = await smtp.wait_for(1)  # and sent from it
        assert sent.recipients == [cast.users[who].email]
        assert sent.message["Subject"] == "Your reply was not posted"
        assert sent.message["Auto-Submitted"] == "auto-replied"
        assert sent.message["In-Reply-To"] == str(mail["Message-ID"])
        text = sent.part("plain")
        assert reason in text and reason in sent.part("html")
        names_thread = case in ("theme closed", "thread locked", "muted", "conduct not accepted")
        assert ("Safe venues" in text) is names_thread
        assert "someone.else@example.org" not in sent.raw.decode()

    async def test_a_leaked_address_cannot_flood_its_owner_with_explanations(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        to = address_of(settings, cast, "participant2", thread_id)
        async with reply_server(app) as server:
            for n in range(REFUSALS_PER_HOUR + 3):
                mail = reply_mail(sender="holder@example.org", to=to, text=f"Try {n}.")
                await deliver(server.port, mail)
            await server.handler.drain()
        refusals = await refusals_to(app, cast.users["participant2"].email)
        assert len(refusals) == REFUSALS_PER_HOUR
        assert await rows(app, Post) == 1

    async def test_the_explanation_is_in_the_persons_language(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        smtp: SmtpSink,
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast, title="Lieux sûrs")
        await set_language(app, cast.uid("participant2"), "fr")
        await close_theme(app, cast)
        mail = reply_mail(
            sender=cast.users["participant2"].email,
            to=address_of(settings, cast, "participant2", thread_id),
            text="Une réponse.",
        )
        async with reply_server(app) as server:
            await deliver(server.port, mail)
            await server.handler.drain()
        [sent] = await smtp.wait_for(1)
        assert sent.message["Subject"] == "Votre réponse n’a pas été publiée"
        text = sent.part("plain")
        assert "Le thème de cette conversation est clos" in text
        assert "« Lieux sûrs »" in text
        link = f"http://testserver/d/{cast.slug}/threads/{thread_id}"
        assert f'<a href="{link}">' in sent.part("html")


async def wait_for_post(app: FastAPI, thread_id: int, body: str, timeout: float = 20.0) -> Post:
    """A reply taken by another process or lifespan arrives on its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in await posts_in(app, thread_id) if p.body == body]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no post {body!r} after {timeout} s")


class TestRunning:
    async def test_serve_receives_replies_when_a_port_is_set(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        port = free_port()
        served = create_app(settings.model_copy(update={"mail_receive_port": port}))
        async with served.router.lifespan_context(served):
            mail = reply_mail(
                sender=cast.users["participant2"].email,
                to=address_of(settings, cast, "participant2", thread_id),
                text="Through serve's own receiver.",
            )
            await deliver(port, mail)
            post = await wait_for_post(app, thread_id, "Through serve's own receiver.")
        assert post.author_id == cast.uid("participant2")

    @pytest.mark.sqlite_only
    async def test_the_mail_receive_command_posts_replies(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        database_url: str,
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOGUE_")}
        env |= {
            "DIALOGUE_DATABASE_URL": database_url,
            "DIALOGUE_SECRET_KEY": settings.secret_key,
            "DIALOGUE_MAIL_REPLY_DOMAIN": DOMAIN,
        }
        command = [str(DIALOGUE), "mail-receive", "--host", "127.0.0.1", "--port", str(port)]
        process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE
        )
        assert process.stdout is not None
        try:
            line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
            assert f"127.0.0.1:{port}" in line
            mail = reply_mail(
                sender=cast.users["participant2"].email,
                to=address_of(settings, cast, "participant2", thread_id),
                text="Through the mail-receive command.",
            )
            await deliver(port, mail)
            await wait_for_post(app, thread_id, "Through the mail-receive command.")
        finally:
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), 30)
        assert code == 0  # SIGTERM: the messages accepted are finished, then it exits


class TestJourney:
    async def test_answering_a_reply_notification_posts_in_its_thread(
        self, app: FastAPI, factory: Factory, client: AsyncClient, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, roles=("participant", "expert"))
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        await scheduler.tick()  # nothing before this is news
        thread = await new_thread(client, cast, "participant", title="Safe shelters")
        await new_post(
            client,
            cast,
            "expert",
            thread["id"],
            body="What do shelters need most?",
            parent_id=thread["post"]["id"],
        )
        await run_mail(app, smtp, expect=1)
        [notice] = smtp.to(cast.users["participant"].email)
        reply_to = str(notice.message["Reply-To"])
        assert reply_to.startswith("reply+") and reply_to.endswith(f"@{DOMAIN}")
        quoted = "\n".join(f"> {line}" for line in notice.part("plain").splitlines())
        answer = reply_mail(
            sender=cast.users["participant"].email,
            to=reply_to,
            text=f"Beds and legal advice.\n\nOn Fri, Dec 4, 2026 at 6:42 PM Dialogue "
            f"<noreply@dialogue.example> wrote:\n{quoted}\n",
        )
        async with reply_server(app) as server:
            await deliver(server.port, answer)
            await server.handler.drain()
        post = (await posts_in(app, thread["id"]))[-1]
        assert (post.body, post.author_id) == ("Beds and legal advice.", cast.uid("participant"))


class TestPostingLimitByMail:
    """Replies by e-mail count against the same per-account posting limit as the web."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"posts_per_minute": 2})

    async def test_past_the_limit_a_reply_is_refused_and_explained(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        smtp: SmtpSink,
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = await opened(client, cast)
        who = cast.users["participant2"]
        to = address_of(settings, cast, "participant2", thread_id)
        async with reply_server(app) as server:
            for n in range(3):
                await deliver(server.port, reply_mail(sender=who.email, to=to, text=f"Reply {n}."))
            await server.handler.drain()
        # Received ones are posted side by side: any two of the three get in, not a third.
        posted = [p.body for p in await posts_in(app, thread_id)][1:]
        assert len(posted) == 2 and set(posted) < {"Reply 0.", "Reply 1.", "Reply 2."}
        assert len(await refusals_to(app, who.email)) == 1  # one explanation, written to the outbox
        [sent] = await smtp.wait_for(1)
        assert sent.recipients == [who.email]
        assert "several replies in a short time" in sent.part("plain")
