"""Completing an @mention offers only names the dialogue already shows its members."""

from __future__ import annotations

import httpx
import pytest

from dialogue.policy import MENTIONABLE
from dialogue.threads import api as threads_api
from dialogue.threads.mentions import LIMIT, matches
from tests.dialogues.cast import API, Cast, make_cast, new_post, new_thread
from tests.factories import Factory


async def names(client: httpx.AsyncClient, cast: Cast, who: str, q: str) -> list[str]:
    response = await client.get(
        f"{API}/dialogues/{cast.slug}/mentions", params={"q": q}, headers=cast.h(who)
    )
    assert response.status_code == 200, (who, response.text)
    found: list[str] = response.json()["names"]
    return found


@pytest.fixture
async def scene(factory: Factory, client: httpx.AsyncClient) -> tuple[Cast, Cast]:
    cast = await make_cast(
        factory, roles=("moderator", "expert", "participant", "observer"), allow_anonymous=True
    )
    other = await make_cast(factory, roles=("participant",))
    thread = int((await new_thread(client, cast, "participant", title="Named"))["id"])
    # participant2 only ever wrote anonymously; the expert's one post is hidden.
    await new_post(client, cast, "participant2", thread, anonymous=True)
    await new_thread(client, cast, "participant2", title="Anonymous too", anonymous=True)
    hidden = await new_post(client, cast, "expert", thread, body="Soon hidden.")
    moderated = await client.post(
        f"{API}/posts/{hidden['id']}/moderation",
        json={"action": "hide", "reason": "off topic"},
        headers=cast.h("moderator"),
    )
    assert moderated.status_code == 200, moderated.text
    await new_post(client, cast, "moderator", thread, body="A named word from staff.")
    # In another dialogue, its own members write under their names.
    await new_thread(client, other, "participant")
    return cast, other


class TestWhoIsOffered:
    async def test_only_authors_of_published_named_posts_of_this_dialogue(
        self, scene: tuple[Cast, Cast], client: httpx.AsyncClient
    ) -> None:
        cast, other = scene
        everyone = {u.display_name for u in (*cast.users.values(), *other.users.values())}
        offered = set()
        for letter in {name[0] for name in everyone}:
            offered |= set(await names(client, cast, "expert", letter))
        assert offered == {
            cast.users["participant"].display_name,
            cast.users["moderator"].display_name,
        }

    async def test_an_anonymous_authors_name_is_not_offered_even_typed_in_full(
        self, scene: tuple[Cast, Cast], client: httpx.AsyncClient
    ) -> None:
        cast, other = scene
        assert (
            await names(client, cast, "participant", cast.users["participant2"].display_name) == []
        )
        assert await names(client, cast, "participant", cast.users["expert"].display_name) == []
        outsider = other.users["participant"].display_name
        assert await names(client, cast, "participant", outsider) == []

    async def test_prefix_of_the_name_or_a_later_word_and_never_oneself(
        self, scene: tuple[Cast, Cast], client: httpx.AsyncClient
    ) -> None:
        cast, _other = scene
        participant = cast.users["participant"].display_name  # "Participant 12"
        assert await names(client, cast, "expert", "pARt") == [participant]
        assert await names(client, cast, "expert", participant.split()[1]) == [participant]
        assert await names(client, cast, "participant", "Part") == []
        assert await names(client, cast, "expert", "") == []
        assert await names(client, cast, "expert", "%") == []

    async def test_the_name_or_one_of_its_words_begins_with_what_was_typed(self) -> None:
        assert matches("Amina Diallo", "dia") == 1 and matches("Amina Diallo", "aM") == 0
        assert matches("Amina Diallo", "lo") is None and matches("Élodie", "él") == 0
        assert (MENTIONABLE.anonymous, MENTIONABLE.post_status) == (False, "published")

    async def test_names_come_eight_at_most_in_order(
        self, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",), extra_participants=9)
        thread = int((await new_thread(client, cast, "participant"))["id"])
        writers = [who for who in cast.users if who.startswith("participant")]
        for who in writers[1:]:
            await new_post(client, cast, who, thread)
        offered = await names(client, cast, "participant", "partic")  # not themselves
        assert len(offered) == LIMIT == 8
        assert offered == sorted(offered, key=str.casefold)


class TestWhoMayAsk:
    async def test_non_members_and_observers_are_refused_like_the_neighbouring_routes(
        self, scene: tuple[Cast, Cast], client: httpx.AsyncClient
    ) -> None:
        cast, _other = scene
        url = f"{API}/dialogues/{cast.slug}/mentions?q=Part"
        statuses = {
            who: (await client.get(url, headers=cast.h(who))).status_code
            for who in ("anonymous", "outsider", "observer", "participant", "admin")
        }
        search = f"{API}/dialogues/{cast.slug}/search?q=Named"
        hidden = (await client.get(search, headers=cast.h("outsider"))).status_code
        assert hidden == statuses["outsider"] == statuses["anonymous"] == 404
        assert statuses == {
            "anonymous": 404,
            "outsider": 404,  # an invite dialogue: as if it did not exist
            "observer": 403,  # no composer: observers do not post
            "participant": 200,
            "admin": 200,
        }

    async def test_look_ups_are_rate_limited(
        self,
        scene: tuple[Cast, Cast],
        client: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        cast, _other = scene
        monkeypatch.setattr(threads_api, "MENTION_LOOKUPS_PER_MINUTE", 3)
        url = f"{API}/dialogues/{cast.slug}/mentions?q=Part"
        answers = [(await client.get(url, headers=cast.h("expert"))).status_code for _n in range(4)]
        assert answers == [200, 200, 200, 429]
        too_fast = await client.get(url, headers=cast.h("expert"))
        assert too_fast.json()["error"]["code"] == "rate_limited"
        assert int(too_fast.headers["Retry-After"]) >= 1
