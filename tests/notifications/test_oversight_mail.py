"""Mail to organizers and advisors on a new concern, and to organizers on an advisor's
question: to those who handle it only, written with its cause, saying nothing confidential."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import col, select, update

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.dialogues.models import Membership
from dialogue.notifications import preferences
from dialogue.notifications.models import MailKind, OutboxMessage
from dialogue.notifications.oversight_mail import PER_HOUR
from dialogue.state import app_state
from tests.dialogues.cast import API, Cast, db, make_cast
from tests.factories import Factory
from tests.notifications.scene import hold_scheduler, run_mail
from tests.notifications.smtp_sink import SmtpSink
from tests.web.clients import submit, visitor

SECRET = "He waits for her outside after each session"
ROLES = ("organizer", "moderator", "advisor", "expert", "participant")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One participant raises more concerns than the hourly mail cap, beyond the abuse limit."""
    return settings.model_copy(update={"concerns_per_account": 100, "concerns_per_address": 100})


async def raise_concern(client: AsyncClient, cast: Cast, who: str, **fields: object) -> int:
    response = await client.post(
        f"{API}/dialogues/{cast.slug}/concerns",
        json={"body": SECRET, **fields},
        headers=cast.h(who),
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def queued(app: FastAPI, kind: MailKind) -> list[OutboxMessage]:
    async with db(app).session() as session:
        rows = await session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind.value)
            .order_by(col(OutboxMessage.created_at))
        )
        return list(rows.all())


def recipients(messages: list[OutboxMessage]) -> set[int | None]:
    return {m.user_id for m in messages}


async def members_as(app: FastAPI, cast: Cast, *roles: str) -> set[int | None]:
    """The members with these roles (the cast's, and the organizer who made the dialogue)."""
    async with db(app).session() as session:
        rows = await session.exec(
            select(Membership.user_id)
            .where(Membership.dialogue_id == cast.dialogue.id)
            .where(col(Membership.role).in_(roles))
        )
        return set(rows.all())


class TestConcernMail:
    async def test_handlers_hear_of_it_without_anything_confidential(
        self, app: FastAPI, factory: Factory, client: AsyncClient, smtp: SmtpSink
    ) -> None:
        cast = await make_cast(factory, roles=ROLES)
        async with db(app).session() as session:
            await session.exec(
                update(User).where(col(User.id) == cast.uid("advisor")).values(language="fr")
            )
            await session.commit()
        await raise_concern(client, cast, "participant", about_user_id=cast.uid("participant2"))
        messages = await queued(app, MailKind.CONCERN)
        # Organizers and advisors of the dialogue: not the moderator, the members, nor the
        # site admin who is no member.
        handlers = await members_as(app, cast, "organizer", "advisor")
        assert recipients(messages) == handlers
        assert {cast.uid("organizer"), cast.uid("advisor")} <= handlers
        await smtp.wait_for(len(handlers))
        mails = {r.recipients[0]: r for r in smtp.received if "/concerns" in r.part("plain")}
        organizer = mails[cast.users["organizer"].email]
        assert organizer.message["Subject"] == f"A concern was raised in “{cast.dialogue.title}”"
        assert f"http://testserver/d/{cast.slug}/concerns" in organizer.part("html")
        # The one-click link stops exactly this kind, without signing in.
        stop = organizer.message["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
        stopped = await client.post(stop, data={"List-Unsubscribe": "One-Click"})
        assert stopped.status_code == 200, stopped.text
        async with db(app).session() as session:
            email = cast.users["organizer"].email
            assert await preferences.opted_out(session=session, email=email, kind="concern")
            assert not await preferences.opted_out(session=session, email=email, kind="review")
        french = mails[cast.users["advisor"].email]
        assert french.message["Subject"].startswith("Une préoccupation")
        for mail in mails.values():
            text = mail.part("plain") + mail.part("html")
            for secret in (
                SECRET,
                cast.users["participant"].display_name,
                cast.users["participant2"].display_name,
            ):
                assert secret not in text

    async def test_nobody_hears_of_their_own_or_of_one_about_them(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=ROLES)
        await raise_concern(client, cast, "organizer", about_user_id=cast.uid("advisor"))
        told = recipients(await queued(app, MailKind.CONCERN))
        assert told == await members_as(app, cast, "organizer", "advisor") - {
            cast.uid("organizer"),
            cast.uid("advisor"),
        }

    async def test_turned_off_on_me_and_at_most_some_an_hour(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=ROLES)
        kinds = list(preferences.CHOOSABLE)
        assert MailKind.CONCERN in kinds and MailKind.QUESTION in kinds
        async with visitor(app, cast.users["advisor"]) as browser:
            page = await browser.get("/me")
            assert 'value="concern" checked' in page.text  # on unless turned off
            wanted = [kind.value for kind in kinds if kind != MailKind.CONCERN]
            saved = await submit(
                browser,
                "/me",
                "/me",
                {
                    "display_name": cast.users["advisor"].display_name,
                    "language": "en",
                    "timezone": "UTC",
                    "digest": "off",
                    "mail_choices": "1",
                    "mail": wanted,
                },
            )
            assert saved.status_code in (200, 303), saved.text
            assert 'value="concern" checked' not in (await browser.get("/me")).text
        for _n in range(PER_HOUR + 1):
            await raise_concern(client, cast, "participant")
        messages = await queued(app, MailKind.CONCERN)
        mine = [m for m in messages if m.user_id == cast.uid("organizer")]
        assert len(mine) == PER_HOUR
        assert cast.uid("advisor") not in recipients(messages)


class TestQuestionMail:
    async def test_organizers_hear_of_it_without_the_question(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        cast = await make_cast(factory, roles=ROLES)
        async with visitor(app, cast.users["advisor"]) as browser:
            asked = await submit(
                browser,
                f"/d/{cast.slug}/advisory",
                f"/d/{cast.slug}/advisory/questions",
                {"question": "Why was the thread about Amina locked?"},
            )
        assert asked.status_code == 303
        messages = await queued(app, MailKind.QUESTION)
        assert recipients(messages) == await members_as(app, cast, "organizer")
        [mail] = [
            r
            for r in await smtp.wait_for(len(messages))  # every organizer's, in any order
            if r.recipients == [cast.users["organizer"].email] and "/advisory" in r.part("plain")
        ]
        assert "asked the organizers" in mail.message["Subject"]
        assert "Amina" not in mail.part("plain") + mail.part("html")
        assert app_state(app).settings.base_url + f"/d/{cast.slug}/advisory" in mail.part("html")


class TestReviewMail:
    async def test_organizers_and_advisors_are_asked_to_review_in_their_language(
        self, app: FastAPI, factory: Factory, client: AsyncClient, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, roles=ROLES)
        async with db(app).session() as session:
            await session.exec(
                update(User).where(col(User.id) == cast.uid("advisor")).values(language="es")
            )
            await session.commit()
        await run_mail(app, smtp, expect=0)  # the feed starts here: nothing from before
        sent = await client.post(
            f"{API}/dialogues/{cast.slug}/report/transitions",
            json={"to": "in_review", "note": ""},
            headers=cast.h("moderator"),
        )
        assert sent.status_code == 200, sent.text
        reviewers = await members_as(app, cast, "organizer", "advisor")
        smtp.received.clear()
        await run_mail(app, smtp, expect=len(reviewers))
        assert recipients(await queued(app, MailKind.REVIEW)) == reviewers
        mails = {r.recipients[0]: r for r in smtp.received}
        organizer = mails[cast.users["organizer"].email]
        assert organizer.message["Subject"] == (
            f"The report of “{cast.dialogue.title}” is waiting for your review"
        )
        assert f"http://testserver/d/{cast.slug}/report" in organizer.part("plain")
        assert organizer.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        spanish = mails[cast.users["advisor"].email]
        assert (
            spanish.message["Subject"]
            == f"El informe de «{cast.dialogue.title}» espera su revisión"
        )
        assert 'lang="es"' in spanish.part("html")
        assert cast.users["participant"].email not in mails
        await run_mail(app, smtp, expect=0)  # sent once
