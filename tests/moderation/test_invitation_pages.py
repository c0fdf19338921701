"""Bulk invitations from the members page: pasted or CSV lists, the stored result, the links."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
from sqlmodel import select

from dialogue.accounts.models import Invitation
from dialogue.csrf import CSRF_FIELD
from dialogue.state import app_state
from tests.factories import Factory
from tests.helpers import count
from tests.moderation.scene import Scene, build_scene
from tests.web.clients import page_csrf, visitor


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post")


def members_page(scene: Scene) -> str:
    return f"/d/{scene.slug}/moderation/members"


async def send(
    web: httpx.AsyncClient,
    scene: Scene,
    *,
    emails: str = "",
    role: str = "participant",
    file: bytes | None = None,
) -> httpx.Response:
    """Fill the invitation form as a browser does (multipart, with or without a file)."""
    token = page_csrf((await web.get(members_page(scene))).text)
    files = {"file": ("people.csv", file or b"", "text/csv")} if file is not None else None
    return await web.post(
        f"/d/{scene.slug}/moderation/invitations",
        data={CSRF_FIELD: token, "emails": emails, "role": role},
        files=files or {"file": ("", b"", "application/octet-stream")},
    )


def outcome_of(html: str, email: str) -> str:
    row = html.split(f"<td>{email}", 1)[1].split("</tr>", 1)[0]
    return row


async def invitations(scene: Scene) -> list[Invitation]:
    async with app_state(scene.factory.app).database.session() as session:
        found = await session.exec(
            select(Invitation).where(Invitation.dialogue_id == scene.dialogue.id)
        )
        return list(found.all())


class TestPastedList:
    async def test_sent_duplicates_members_and_invalid_lines_each_reported(
        self, scene: Scene
    ) -> None:
        member = scene.users["expert"].email
        pasted = f"new@example.org\nNew@Example.org\n{member}\nnot-an-address\n\nother@example.org"
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, emails=pasted, role="expert")
            assert response.status_code == 303, response.text
            location = response.headers["location"]
            assert location.startswith(f"/d/{scene.slug}/moderation/invitations/")
            page = await web.get(location)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "Invited" in outcome_of(page.text, "new@example.org")
        assert "/invitations/" in outcome_of(page.text, "new@example.org")
        assert "Already a member" in outcome_of(page.text, member)
        assert "not an email address" in outcome_of(page.text, "not-an-address")
        assert "listed twice" in page.text
        assert "2 invitations sent" in page.text
        made = await invitations(scene)
        assert sorted(i.email for i in made) == ["new@example.org", "other@example.org"]
        assert {i.role for i in made} == {"expert"}

    async def test_reloading_the_result_sends_nothing_again(self, scene: Scene) -> None:
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, emails="a@example.org\nb@example.org")
            first = await web.get(response.headers["location"])
            again = await web.get(response.headers["location"])
        assert first.text.count("/invitations/") == again.text.count("/invitations/")
        assert await count(scene.factory.app, Invitation) == 2
        assert first.text == again.text

    async def test_no_valid_address_shows_the_form_again(self, scene: Scene) -> None:
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, emails="nobody here")
        assert response.status_code == 422
        assert "No valid email address was found." in response.text
        assert 'name="emails"' in response.text
        assert await count(scene.factory.app, Invitation) == 0


class TestCsvFile:
    async def test_bom_semicolons_header_roles_names_and_blank_lines(self, scene: Scene) -> None:
        data = (
            "\ufeffemail;role;display_name\r\n"
            "amina@example.org;advisor;Amina K.\r\n"
            "\r\n"
            "luis@example.org;;Luis\r\n"
            "bad@example.org;queen;Nope\r\n"
        ).encode()
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, file=data, role="observer")
            assert response.status_code == 303, response.text
            page = await web.get(response.headers["location"])
        assert "unknown role" in outcome_of(page.text, "bad@example.org")
        made = {i.email: i for i in await invitations(scene)}
        assert set(made) == {"amina@example.org", "luis@example.org"}
        assert (made["amina@example.org"].role, made["amina@example.org"].display_name) == (
            "advisor",
            "Amina K.",
        )
        assert made["luis@example.org"].role == "observer"  # the form's role for the rest

    async def test_a_binary_file_is_refused_whole(self, scene: Scene) -> None:
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, file=b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
        assert response.status_code == 422
        assert "not a CSV text file" in response.text
        assert await count(scene.factory.app, Invitation) == 0

    async def test_a_huge_file_is_refused(self, scene: Scene) -> None:
        data = b"x@example.org\n" * 30_000  # 420 KB: over the file limit, under the body limit
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, file=data)
        assert response.status_code == 413
        assert "too large" in response.text
        assert await count(scene.factory.app, Invitation) == 0

    async def test_more_lines_than_allowed_are_refused(self, scene: Scene) -> None:
        data = "".join(f"p{n}@example.org\n" for n in range(501)).encode()
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, file=data)
        assert response.status_code == 422
        assert "At most 500 invitations at once." in response.text

    async def test_the_download_escapes_formulas_and_its_links_work(
        self, scene: Scene, client: httpx.AsyncClient
    ) -> None:
        data = b'email,role,display_name\nok@example.org,,=HYPERLINK("http://x")\n=1+2,,\n'
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            response = await send(web, scene, file=data)
            location = response.headers["location"]
            download = await web.get(f"{location}/links.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert "attachment" in download.headers["content-disposition"]
        rows = {r["email"]: r for r in csv.DictReader(io.StringIO(download.text))}
        assert rows["ok@example.org"]["display_name"] == '\'=HYPERLINK("http://x")'
        assert rows["'=1+2"]["status"] == "invalid"
        url = rows["ok@example.org"]["url"]
        token = url.rsplit("/", 1)[1]
        accepted = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Okay", "password": "a long new passphrase"},
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["role"] == "participant"


class TestWhoSeesABatch:
    async def test_only_the_organizer_who_made_it(self, scene: Scene, factory: Factory) -> None:
        other = await factory.member(scene.dialogue, "organizer")
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            location = (await send(web, scene, emails="a@example.org")).headers["location"]
        for user, status in (
            (other, 404),
            (scene.users["admin"], 404),
            (scene.users["moderator"], 403),
            (scene.users["outsider"], 404),
        ):
            async with visitor(scene.factory.app, user) as web:
                assert (await web.get(location)).status_code == status
                assert (await web.get(f"{location}/links.csv")).status_code == status

    async def test_a_moderator_cannot_invite(self, scene: Scene) -> None:
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            response = await send(web, scene, emails="a@example.org")
        assert response.status_code == 403
        assert await count(scene.factory.app, Invitation) == 0


class TestBulkApi:
    async def test_members_already_in_are_listed_not_invited(self, scene: Scene) -> None:
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/invitations/bulk",
            json={"emails": f"n@example.org {scene.users['observer'].email}", "role": "expert"},
            headers=scene.headers["organizer"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert [i["email"] for i in body["invited"]] == ["n@example.org"]
        assert body["already_members"] == [scene.users["observer"].email]
        assert isinstance(body["batch_id"], int)
