"""Nobody can tell who wrote an anonymous post by comparing what the server answers.

Two worlds are built the same way, step by step, with one difference: in one, Zainab
writes the anonymous post; in the other, Maria does. Both also post under their own names,
react the same way, and everything else happens identically (the post is edited, replied
to, flagged, hidden, its author muted through it, the mute appealed, an unmasking asked
for, a report made). Then every reader who is neither of them (each staff role, the site
admin, other members, a non-member, a visitor) reads every GET route of the site, pages
and API, with every id the worlds hold, and the e-mail queued for them is read too. Once
times and one-off tokens are set aside, each answer must be the same in both worlds: any
difference is something that tells the two authors apart.
"""

from __future__ import annotations

import html
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dialogue.access import SESSION_COOKIE
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.notifications.models import OutboxMessage
from dialogue.state import app_state
from tests.factories import Factory
from tests.helpers import session_token
from tests.notifications.scene import hold_scheduler
from tests.test_route_policy import routes_of
from tests.web.test_quote_review import poll

pytestmark = pytest.mark.sqlite_only

API = "/api/v1"
AUTHORS = ("zainab", "maria")
READERS = ("organizer", "moderator", "advisor", "expert", "observer", "admin", "outsider")
PEOPLE = {
    "admin": "Ada Admin",
    "organizer": "Olu Organizer",
    "moderator": "Mona Moderator",
    "advisor": "Ama Advisor",
    "expert": "Esi",
    "observer": "Obi Observer",
    "zainab": "Zainab Rahman",
    "maria": "Maria Lopes",
    "outsider": "Otto Outsider",
}
# Set aside before comparing: times (the two worlds are built seconds apart) and one-off
# values (CSRF tokens, signed links, message ids). Names, counts and texts are compared.
VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "<when>"),
    (re.compile(r"\b\d{1,2}:\d\d(:\d\d)?(\s?[AP]M)?\b"), "<time>"),
    (re.compile(r"\b\d+ (second|minute)s?( ago)?\b"), "<ago>"),
    (re.compile(r"[A-Za-z0-9_\-]{22,}={0,2}"), "<token>"),
    (re.compile(r'"seconds":[0-9.]+'), '"seconds":<n>'),  # how long a report job took
]


@dataclass
class World:
    author: str
    app: Any
    client: httpx.AsyncClient
    factory: Factory
    users: dict[str, Any] = field(default_factory=dict)
    bearer: dict[str, dict[str, str]] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)
    slug: str = "sweep"

    async def call(self, method: str, path: str, who: str, **kw: Any) -> Any:
        response = await self.client.request(method, API + path, headers=self.bearer[who], **kw)
        assert response.status_code < 300, (method, path, who, response.text)
        return response.json() if response.content else None

    async def reply(self, who: str, body: str, *, parent: str, anonymous: bool = False) -> int:
        post = await self.call(
            "POST",
            f"/threads/{self.ids['thread']}/posts",
            who,
            json={
                "body": body,
                "parent_id": self.ids[parent],
                "anonymous": anonymous,
                "client_id": str(uuid.UUID(int=len(self.ids))),
            },
        )
        return int(post["id"])


@asynccontextmanager
async def world(directory: Path, template: Path, author: str) -> AsyncIterator[World]:
    path = directory / f"{author}.db"
    shutil.copy(template, path)
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{path}",
        secret_key="test-secret",
        base_url="http://testserver",
        smtp_url="smtp://127.0.0.1:9",  # nothing listens: the mail stays queued, to be read
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await hold_scheduler(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            w = World(author=author, app=app, client=c, factory=Factory(app=app, client=c))
            await build(w)
            yield w


async def build(w: World) -> None:
    """The same story in both worlds; only who writes the anonymous post differs."""
    f = w.factory
    w.users["admin"] = await f.user(
        is_admin=True, display_name=PEOPLE["admin"], email="admin@example.org"
    )
    d = await f.dialogue(
        owner=w.users["admin"],
        slug=w.slug,
        title="Sweep",
        moderation="post",
        allow_anonymous=True,
    )
    theme = await f.theme(d, title="Week 1")
    w.ids["theme"] = theme.id or 0
    for role in ("organizer", "moderator", "advisor", "expert", "observer"):
        w.users[role] = await f.member(
            d, role, display_name=PEOPLE[role], email=f"{role}@example.org"
        )
    for name in AUTHORS:
        w.users[name] = await f.member(
            d,
            "participant",
            display_name=PEOPLE[name],
            email=f"{name}@example.org",
            country="PK" if name == "zainab" else "BR",
            quote_consent="anonymous",  # alike: whose consent it is must not show
        )
    w.users["outsider"] = await f.user(display_name=PEOPLE["outsider"], email="out@example.org")
    for name, user in w.users.items():
        w.bearer[name] = await f.auth(user)
        w.cookies[name] = await session_token(w.app, user)
    scheduler = app_state(w.app).mail_scheduler
    assert scheduler is not None
    await scheduler.tick()  # the mail feed starts here

    thread = await w.call(
        "POST",
        f"/themes/{w.ids['theme']}/threads",
        "organizer",
        json={"title": "Accountability", "body": "What has worked for you?"},
    )
    w.ids["thread"], w.ids["opener"] = thread["id"], thread["post"]["id"]
    for name in AUTHORS:
        w.ids[f"named_{name}"] = await w.reply(
            name, f"Speaking as {PEOPLE[name]}: reviews with women's groups.", parent="opener"
        )
        await w.call("PUT", f"/posts/{w.ids['opener']}/reaction", name, json={"kind": "agree"})

    secret = await w.reply(
        w.author,
        "A coordinator harassed me at the training. @Esi what would you do?",
        parent="opener",
        anonymous=True,
    )
    w.ids["secret"] = secret
    # An anonymous testimony the report quotes, with a place the quote must not keep.
    w.ids["quoted"] = quoted = await w.reply(
        w.author,
        "In Recife the fathers' groups met every week with the women's collective to review"
        " what had changed at home.",
        parent="opener",
        anonymous=True,
    )
    await w.call("POST", f"/posts/{quoted}/moderation", "moderator", json={"action": "highlight"})
    await w.call(
        "PATCH", f"/posts/{secret}", w.author, json={"body": "A coordinator harassed me. @Esi?"}
    )
    w.ids["answer"] = await w.reply("expert", "Thank you for telling us.", parent="secret")
    await w.call("POST", f"/posts/{secret}/flags", "expert", json={"reason": "3"})
    # A second anonymous post by the same author is hidden, and its author muted through it.
    w.ids["hidden"] = harsh = await w.reply(
        w.author, "He is the one, everyone knows his name.", parent="answer", anonymous=True
    )
    await w.call(
        "POST",
        f"/posts/{harsh}/moderation",
        "moderator",
        json={"action": "hide", "reason": "Names a person", "clause": "3"},
    )
    until = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0).isoformat()
    await w.call(
        "POST",
        f"/posts/{harsh}/author/moderation",
        "moderator",
        json={"action": "mute", "reason": "Identifying someone", "until": until},
    )
    notices = await w.call("GET", "/me/notices", w.author)
    for notice in notices["items"]:
        if notice.get("appealable"):
            await w.call(
                "POST", f"/me/notices/{notice['id']}/appeal", w.author, json={"note": "Please."}
            )
    await w.call("POST", f"/posts/{secret}/unmask", "moderator", json={"reason": "Safeguarding"})
    job = await w.call(
        "POST", f"/dialogues/{w.slug}/report/jobs", "organizer", json={"format": "md"}
    )
    w.ids["job"] = job["id"]
    # The editors' list of quotes, with the words redacted from each: ready before reading.
    started = await w.call("POST", f"/dialogues/{w.slug}/report/quotes", "moderator")
    w.ids["quotes"] = started["id"]
    url = f"{API}/dialogues/{w.slug}/report/quotes/{started['id']}"
    quotes = await poll(w.client, url, w.bearer["moderator"])
    assert quotes["state"] == "done", quotes
    assert any(q["redactions"] for q in quotes["quotes"]), quotes  # something to compare
    await scheduler.tick()  # replies, mentions and the moderators' batch, as mail


def urls(w: World) -> list[str]:
    """Every GET route with each id it can take, and the queries that change answers."""
    values = {
        "slug": [w.slug],
        "theme_id": [w.ids["theme"]],
        "thread_id": [w.ids["thread"]],
        "post_id": [
            w.ids[k]
            for k in (
                "opener",
                "named_zainab",
                "named_maria",
                "secret",
                "quoted",
                "answer",
                "hidden",
            )
        ],
        "user_id": [w.users[name].id for name in AUTHORS],
        "job_id": [w.ids["job"], w.ids["quotes"]],
        "to": ["closed"],
    }
    found = []
    for route in routes_of(w.app):
        if "GET" not in route.methods or route.kind != "http" or route.path == "/metrics":
            continue
        paths = [route.path]
        for name in re.findall(r"{(\w+)}", route.path):
            if name not in values:  # tokens and invitation batches: one-off, per person
                paths = []
                break
            paths = [p.replace(f"{{{name}}}", str(v)) for p in paths for v in values[name]]
        found.extend(paths)
    found += [f"{API}/dialogues/{w.slug}/report?format={k}" for k in ("md", "json", "csv")]
    found += [
        f"{API}/dialogues/{w.slug}/search?q=coordinator",
        f"/d/{w.slug}/search?q=coordinator",
        f"{API}/dialogues/{w.slug}/events?after=0",
    ]
    return sorted(found)


def normalised(text: str) -> str:
    for pattern, stand_in in VOLATILE:
        text = pattern.sub(stand_in, text)
    return text


async def answers(w: World) -> dict[str, tuple[int, str]]:
    seen: dict[str, tuple[int, str]] = {}
    paths = urls(w)
    for reader in (*READERS, "visitor"):
        for path in paths:
            if reader == "visitor":
                headers: dict[str, str] = {}
            elif path.startswith(API):
                headers = w.bearer[reader]
            else:
                headers = {"Cookie": f"{SESSION_COOKIE}={w.cookies[reader]}"}
            response = await w.client.get(path, headers=headers)
            assert response.status_code < 500, (reader, path, response.text)
            # A report job's id is random: it is the same job in both worlds.
            key, text = f"{reader} GET {path}", response.text
            for name in ("job", "quotes"):
                key = key.replace(str(w.ids[name]), f"<{name}>")
                text = text.replace(str(w.ids[name]), f"<{name}>")
            seen[key] = (response.status_code, normalised(text))
    async with app_state(w.app).database.session() as session:
        mail = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    authors = {w.users[name].id for name in AUTHORS}
    # Messages have random ids: compared as one sorted list per recipient.
    for reader in READERS:
        user_id = w.users[reader].id
        bodies = sorted(
            normalised(f"{m.kind}\n{m.to_address}\n{m.subject}\n{m.text}\n{m.html}")
            for m in mail
            if m.user_id == user_id and m.user_id not in authors
        )
        seen[f"mail to {reader}"] = (len(bodies), "\n----\n".join(bodies))
    return seen


def first_difference(a: str, b: str) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"...{a[max(0, at - 120) : at + 120]!r}\n   vs ...{b[max(0, at - 120) : at + 120]!r}"


async def test_no_answer_tells_the_two_possible_authors_apart(
    tmp_path: Path, sqlite_template: Path, db_kind: str
) -> None:
    seen = {}
    for author in AUTHORS:
        async with world(tmp_path, sqlite_template, author) as w:
            seen[author] = await answers(w)
            assert (await w.call("GET", f"/posts/{w.ids['secret']}", "moderator"))["author"] is None
    a, b = seen["zainab"], seen["maria"]
    assert a.keys() == b.keys()
    differing = [key for key in a if a[key] != b[key]]
    assert not differing, f"{len(differing)} answers tell the authors apart:\n" + "\n".join(
        f"{key}: {a[key][0]} vs {b[key][0]}\n   {first_difference(a[key][1], b[key][1])}"
        for key in differing[:12]
    )
    # The sweep read what it meant to: the pages and API held the post, and mail was queued.
    ok = [key for key in a if a[key][0] == 200]
    assert len(ok) > 300, len(ok)
    for reader in ("expert", "moderator", "visitor"):
        shown = [
            key for key in ok if key.startswith(reader) and "coordinator harassed" in a[key][1]
        ]
        assert len(shown) >= (5 if reader != "visitor" else 0), (reader, shown)
    # The editors' list of quotes was read whole (the place taken out of the testimony).
    listed = a["moderator GET /d/sweep/report/quotes/<quotes>"]
    assert listed[0] == 200 and "“Recife” became [place]" in html.unescape(listed[1]), listed
    assert a["mail to organizer"][0] == 4 and a["mail to expert"][0] == 1  # 4: replies too
