"""The code of conduct: accepted before a member's first post, and again after each new version."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import select

from dialogue.dialogues.models import ConductVersion, Membership
from dialogue.events.models import Event
from dialogue.threads.models import Post, Thread
from tests.dialogues.cast import API, MEMBER_ROLES, Cast, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error


async def accept(client: AsyncClient, cast: Cast, who: str, version: object) -> int:
    response = await client.post(
        f"{API}/dialogues/{cast.slug}/conduct/accept",
        json={"version": version},
        headers=cast.h(who),
    )
    return response.status_code


async def shown(client: AsyncClient, cast: Cast, who: str) -> dict[str, Any]:
    response = await client.get(f"{API}/dialogues/{cast.slug}", headers=cast.h(who))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def membership_of(app: FastAPI, cast: Cast, who: str) -> Membership:
    async with db(app).session() as session:
        found = (
            await session.exec(
                select(Membership).where(
                    Membership.dialogue_id == cast.dialogue.id,
                    Membership.user_id == cast.uid(who),
                )
            )
        ).one()
        return found


async def add_newcomer(factory: Factory, cast: Cast, role: str = "participant") -> None:
    """A member who has not yet accepted the code."""
    cast.users["newcomer"] = await factory.member(cast.dialogue, role, accepted=False)
    cast.headers["newcomer"] = await factory.auth(cast.users["newcomer"])


class TestPostingNeedsAcceptance:
    async def test_a_member_who_has_not_accepted_cannot_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        thread = await new_thread(client, cast, "participant")
        await add_newcomer(factory, cast)
        assert (await shown(client, cast, "newcomer"))["conduct_accepted"] is False
        refused = await new_thread(client, cast, "newcomer", expect=403)
        assert refused["error"]["code"] == "conduct_not_accepted"
        refused = await new_post(client, cast, "newcomer", thread["id"], expect=403)
        assert refused["error"]["code"] == "conduct_not_accepted"
        assert (await rows(app, Thread), await rows(app, Post)) == (1, 1)
        assert await accept(client, cast, "newcomer", 1) == 204
        assert (await shown(client, cast, "newcomer"))["conduct_accepted"] is True
        await new_post(client, cast, "newcomer", thread["id"])


class TestAcceptingAVersion:
    async def test_the_wrong_version_is_409_and_records_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        await add_newcomer(factory, cast)
        for version in (2, 99):
            response = await client.post(
                f"{API}/dialogues/{cast.slug}/conduct/accept",
                json={"version": version},
                headers=cast.h("newcomer"),
            )
            assert_error(response, 409, "conduct_version_mismatch")
        for bad in (0, -1, "one", None, 2**70):
            assert await accept(client, cast, "newcomer", bad) in (409, 422), bad
        membership = await membership_of(app, cast, "newcomer")
        assert (membership.conduct_version, membership.conduct_accepted_at) == (0, None)

    async def test_acceptance_records_version_and_time(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        await add_newcomer(factory, cast, "observer")
        assert await accept(client, cast, "newcomer", 1) == 204
        membership = await membership_of(app, cast, "newcomer")
        assert membership.conduct_version == 1
        assert membership.conduct_accepted_at is not None

    async def test_non_members_cannot_accept(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        for who in ("outsider", "anonymous"):
            response = await client.post(
                f"{API}/dialogues/{cast.slug}/conduct/accept",
                json={"version": 1},
                headers=cast.h(who),
            )
            assert_error(response, 404, "not_found")
        response = await client.post(
            f"{API}/dialogues/{cast.slug}/conduct/accept",
            json={"version": 1},
            headers=cast.h("admin"),
        )
        assert_error(response, 403, "not_member")


class TestAcceptanceEvent:
    async def seen(self, client: AsyncClient, cast: Cast, who: str) -> list[dict[str, Any]]:
        response = await client.get(f"{API}/dialogues/{cast.slug}/events", headers=cast.h(who))
        assert response.status_code == 200, response.text
        return [e for e in response.json()["events"] if e["kind"] == "conduct.accepted"]

    async def test_only_the_member_sees_it(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        await add_newcomer(factory, cast)
        assert await accept(client, cast, "newcomer", 2) == 409  # refused: no event
        assert await accept(client, cast, "newcomer", 1) == 204
        async with db(app).session() as session:
            [event] = (
                await session.exec(select(Event).where(Event.kind == "conduct.accepted"))
            ).all()
        # Staff read it on the member list: announced live, it would come just before a
        # first anonymous post and say whose it is.
        assert (event.audience, event.subject_user_id) == ("subject", cast.uid("newcomer"))
        assert event.data == {"user_id": cast.uid("newcomer"), "version": 1}
        assert [e["data"]["version"] for e in await self.seen(client, cast, "newcomer")] == [1]
        for who in ("organizer", "moderator", "admin", "advisor", "expert", "participant"):
            assert await self.seen(client, cast, who) == []


class TestANewVersionAsksAgain:
    async def test_changing_the_code_requires_acceptance_before_the_next_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        thread = await new_thread(client, cast, "participant")
        new_code = "Our code, revised.\n\n1. Be respectful.\n2. Cite sources.\n"
        response = await client.patch(
            f"{API}/dialogues/{cast.slug}",
            json={"code_of_conduct": new_code},
            headers=cast.h("organizer"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["conduct_version"] == 2
        assert await rows(app, ConductVersion) == 2
        seen = await shown(client, cast, "participant")
        assert (seen["conduct_version"], seen["conduct_accepted"]) == (2, False)
        assert [c["text"] for c in seen["clauses"]] == ["Be respectful.", "Cite sources."]
        refused = await new_post(client, cast, "participant", thread["id"], expect=403)
        assert refused["error"]["code"] == "conduct_not_accepted"
        assert await accept(client, cast, "participant", 1) == 409
        assert await accept(client, cast, "participant", 2) == 204
        await new_post(client, cast, "participant", thread["id"])

    async def test_the_same_text_again_is_not_a_new_version(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        current = (await shown(client, cast, "organizer"))["code_of_conduct"]
        response = await client.patch(
            f"{API}/dialogues/{cast.slug}",
            json={"code_of_conduct": current},
            headers=cast.h("organizer"),
        )
        assert response.json()["conduct_version"] == 1
        assert (await shown(client, cast, "participant"))["conduct_accepted"] is True


class TestTheDialogueShowsTheCode:
    async def test_version_acceptance_role_and_clauses_per_caller(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        await add_newcomer(factory, cast)
        for who in MEMBER_ROLES:
            seen = await shown(client, cast, who)
            assert seen["role"] == who
            assert (seen["conduct_version"], seen["conduct_accepted"]) == (1, True)
        seen = await shown(client, cast, "newcomer")
        assert (seen["role"], seen["conduct_accepted"]) == ("participant", False)
        seen = await shown(client, cast, "admin")
        assert (seen["role"], seen["conduct_accepted"]) == ("organizer", False)
        assert [(c["number"], c["text"]) for c in seen["clauses"]] == [
            ("1", "Be respectful."),
            ("2", "Keep stories confidential."),
            ("3", "Never identify survivors."),
        ]

    async def test_an_anonymous_reader_of_a_public_dialogue_has_no_role(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",), visibility="public")
        for who in ("anonymous", "outsider"):
            seen = await shown(client, cast, who)
            assert (seen["role"], seen["conduct_accepted"], seen["conduct_version"]) == (
                None,
                False,
                1,
            )
            assert len(seen["clauses"]) == 3
