"""Nobody told apart by where they are from: the one participant from a country is never
named by it in any format, and anonymous posts carry no origin in the data files."""

from __future__ import annotations

import json

import httpx

from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import all_formats, csv_rows, text_of


class TestOneFromACountry:
    async def test_no_format_lets_the_only_person_from_a_country_be_told_apart(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        world = World(factory)
        dialogue = await factory.dialogue(title="Origins")
        theme = await factory.theme(dialogue, title="Shelters")
        organizer = await factory.member(dialogue, "organizer")
        kenyans = [
            await factory.member(
                dialogue, "participant", display_name=f"Kenyan {n}", country="KE",
                quote_consent="anonymous",
            )
            for n in range(5)
        ]  # fmt: skip
        lone = await factory.member(
            dialogue, "participant", display_name="Lerato Mokoena", country="LS",
            organization="Basotho Women's Circle", quote_consent="anonymous",
        )  # fmt: skip
        hidden = await factory.member(
            dialogue, "participant", display_name="Hidden Writer", country="LS",
            quote_consent="named",
        )  # fmt: skip
        thread, _ = await world.thread(
            dialogue, theme, kenyans[0], "Funding", "KENYAQUOTE shelters need funding.",
            highlighted=True,
        )  # fmt: skip
        for n, person in enumerate(kenyans[1:], 1):
            await world.post(thread, person, f"KENYAQUOTE{n} funding matters.", highlighted=True)
        lone_post = await world.post(
            thread, lone, "LONEQUOTE the shelters near us closed.", highlighted=True
        )
        anonymous = await world.post(
            thread, hidden, "ANONQUOTE nobody may know who wrote this.", anonymous=True,
            highlighted=True,
        )  # fmt: skip
        outputs = await all_formats(client, dialogue.slug, await factory.auth(organizer))
        for fmt, body in outputs.items():
            text = text_of(fmt, body)
            assert "LONEQUOTE" in text and "KENYAQUOTE" in text, fmt
            for word in ("Lesotho", "Lerato", "Mokoena", "Basotho", "Hidden Writer"):
                assert word not in text, (fmt, word)
            assert "A practitioner from Kenya" in text, fmt
            assert "A practitioner from Eastern and Southern Africa" in text, fmt
        document = json.loads(outputs["json"])
        rows = {row["id"]: row for row in document["posts"]}
        assert rows[lone_post.id]["author"] == "A practitioner from Eastern and Southern Africa"
        assert rows[anonymous.id]["author"] == "Anonymous participant"
        for group in document["at_a_glance"]["charts"]["participants_by_region"]["groups"]:
            assert anonymous.id not in group["post_ids"]
        for data in document["who_spoke"].values():
            for group in data["groups"]:
                assert anonymous.id not in group["post_ids"]
        review = {r["post_id"]: r for r in document["review"]}
        assert review[lone_post.id]["origin"] == "region"
        assert review[anonymous.id]["origin"] == "anonymous post"
        csv = {int(r["post_id"]): r for r in csv_rows(outputs["csv"])}
        assert csv[anonymous.id]["author"] == "Anonymous participant"
        assert not {"country", "region"} & set(csv[anonymous.id])
