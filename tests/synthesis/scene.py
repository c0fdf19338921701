"""A small dialogue with every consent and visibility case, and readers for all six formats."""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from docx import Document
from pypdf import PdfReader

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.synthesis.render.registry import REPORT_FORMATS
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.synthesis.builders import World

FORMATS = tuple(REPORT_FORMATS)  # every format the registry renders

# Words that must appear (quotable) or never appear (not quotable, not published, or a
# masked author) in any format.
PRESENT = {
    "NAMEDQUOTE": "Amina Wanjiru, Kenya Women Network",
    # Bruno is the only quotable person from Brazil (and from Latin America): k-anonymity
    # leaves his quote with no origin at all.
    "ANONCONSENTQUOTE": "A practitioner",
    "ANONPOSTQUOTE": "Anonymous participant",
}
ABSENT = (
    "NEVERQUOTE",
    # A post cannot widen its author's consent: "named" on a post under "none" is none.
    "OVERRIDEQUOTE",
    "Olga Petrova",
    "UNKNOWNQUOTE",
    "AMINANONE",
    "PENDINGTEXT",
    "REJECTEDTEXT",
    "HIDDENTEXT",
    "DELETEDTEXT",
    "NEVERTITLE",
    "Carla Never",
    "Dan Unknown",
    "Bruno Silva",  # anonymous consent: never named
    "from Brazil",
    "from Latin America",
    "Eve Hidden",  # wrote only an anonymous post
    "Secret Shelter Org",
    # Organisations are listed only for members who consented to be named.
    "Instituto Papai",
    "Never Org",
    "Unknown Org",
)


@dataclass
class Scene:
    dialogue: Dialogue
    theme: Theme
    second: Theme
    organizer: User
    advisor: User
    moderator: User
    participant: User
    people: dict[str, User] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    published: int = 0


async def build_scene(factory: Factory, *, advisors: bool = True) -> Scene:
    world = World(factory)
    dialogue = await factory.dialogue(title="Accountability in work with men and boys")
    theme = await factory.theme(dialogue, title="Accountability to women's movements")
    second = await factory.theme(dialogue, title="Working with boys in schools")
    organizer = await factory.member(
        dialogue, "organizer", organization="Alliance for Gender Justice", quote_consent="named"
    )
    advisor = (
        await factory.member(dialogue, "advisor")
        if advisors
        else await factory.member(dialogue, "expert")
    )
    scene = Scene(
        dialogue=dialogue,
        theme=theme,
        second=second,
        organizer=organizer,
        advisor=advisor,
        moderator=await factory.member(dialogue, "moderator"),
        participant=await factory.member(dialogue, "participant"),
    )
    profiles = {
        "amina": ("Amina Wanjiru", "Kenya Women Network", "KE", "named"),
        "bruno": ("Bruno Silva", "Instituto Papai", "BR", "anonymous"),
        "carla": ("Carla Never", "Never Org", "MX", "none"),
        "dan": ("Dan Unknown", "Unknown Org", "US", None),
        "eve": ("Eve Hidden", "Secret Shelter Org", "KE", "named"),
        "olga": ("Olga Petrova", "", "UA", "none"),
    }
    for key, (name, org, country, consent) in profiles.items():
        scene.people[key] = await factory.member(
            dialogue,
            "participant",
            display_name=name,
            organization=org,
            country=country,
            quote_consent=consent,
        )
    p = scene.people

    async def opened(key: str, title: str, body: str, **kw: Any) -> tuple[Any, Post]:
        thread, post = await world.thread(dialogue, theme, p[key], title, body, **kw)
        scene.posts[key] = post
        return thread, post

    amina_thread, _ = await opened(
        "amina", "Listening first", "NAMEDQUOTE accountability means listening.", highlighted=True
    )
    await opened("bruno", "Funding", "ANONCONSENTQUOTE funding follows trust.", highlighted=True)
    await opened(
        "carla", "NEVERTITLE", "NEVERQUOTE schools need feminist partners.", highlighted=True
    )
    await opened("dan", "Unknown", "UNKNOWNQUOTE fathers groups help.", highlighted=True)
    await opened(
        "eve", "Shelters", "ANONPOSTQUOTE shelters must lead.", anonymous=True, highlighted=True
    )
    await opened(
        "olga", "Override", "OVERRIDEQUOTE quote me here.", quote_consent="named", highlighted=True
    )
    scene.posts["amina_none"] = await world.post(
        amina_thread, p["amina"], "AMINANONE not this one.", quote_consent="none", highlighted=True
    )
    for status in ("pending", "rejected", "hidden", "deleted"):
        scene.posts[status] = await world.post(
            amina_thread,
            p["amina"],
            f"{status.upper()}TEXT never shown.",
            status=status,
            highlighted=True,
        )
    _school, opener = await world.thread(
        dialogue, second, organizer, "Schools", "Teachers and curricula for boys.", highlighted=True
    )
    scene.posts["organizer"] = opener
    recommendation = await world.code(dialogue, "Recommendation")
    await world.apply(scene.posts["amina"], recommendation)
    await world.apply(scene.posts["carla"], recommendation)
    for key in ("bruno", "carla", "dan"):
        await world.react(scene.posts["amina"], p[key], "agree")
    scene.published = 8  # six openers, Amina's reply, the organizer's thread
    return scene


async def all_formats(
    client: httpx.AsyncClient, slug: str, headers: dict[str, str]
) -> dict[str, bytes]:
    """The working report in every format, each answered with 200."""
    found = {}
    for fmt in FORMATS:
        response = await client.get(
            f"/api/v1/dialogues/{slug}/report", params={"format": fmt}, headers=headers
        )
        assert response.status_code == 200, (fmt, response.text)
        found[fmt] = response.content
    return found


def text_of(fmt: str, body: bytes) -> str:
    """What a reader of this format sees, as text."""
    if fmt == "pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if fmt == "docx":
        doc = Document(io.BytesIO(body))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join(parts)
    text = body.decode("utf-8-sig")
    if fmt == "json":
        return json.dumps(json.loads(text), ensure_ascii=False)
    if fmt == "html":
        return html.unescape(text)
    return text


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


# Bruno's self-introduction, highlighted so the report quotes it: three spans redacted.
REVIEWED = "REVIEWED Bruno from Recife, Instituto Papai, writing about our fathers groups."
REVIEWED_REDACTIONS = [
    ("member_name", "[name]", "Bruno"),
    ("place", "[place]", "Recife"),
    ("organisation", "[organisation]", "Instituto Papai"),
]


async def review_post(factory: Factory, scene: Scene) -> None:
    """A quote the editors' review list shows with what was taken out of it."""
    await World(factory).thread(
        scene.dialogue, scene.theme, scene.people["bruno"], "Intro", REVIEWED, highlighted=True
    )
