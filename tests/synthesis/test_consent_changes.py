"""Consent as the contract states it: the person's current choice governs, before and after
publication, in every format; a withdrawal rebuilds the published report and tells organizers."""

from __future__ import annotations

import json

import httpx
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.moderation.models import AuditEntry, Notice
from dialogue.synthesis.models import ConsentChange, ReportSnapshot
from tests.factories import Factory
from tests.synthesis.scene import Scene, all_formats, build_scene, text_of
from tests.synthesis.test_signoff import Review


async def choose(client: httpx.AsyncClient, factory: Factory, user: User, consent: str) -> None:
    response = await client.patch(
        "/api/v1/me", json={"quote_consent": consent}, headers=await factory.auth(user)
    )
    assert response.status_code == 200, response.text


async def texts(client: httpx.AsyncClient, factory: Factory, scene: Scene) -> dict[str, str]:
    outputs = await all_formats(client, scene.dialogue.slug, await factory.auth(scene.organizer))
    return {fmt: text_of(fmt, body) for fmt, body in outputs.items()}


async def json_text(client: httpx.AsyncClient, factory: Factory, scene: Scene) -> str:
    response = await client.get(
        f"/api/v1/dialogues/{scene.dialogue.slug}/report",
        params={"format": "json"},
        headers=await factory.auth(scene.organizer),
    )
    assert response.status_code == 200, response.text
    return text_of("json", response.content)


def assert_everywhere(found: dict[str, str], present: list[str], absent: list[str]) -> None:
    for fmt, text in found.items():
        for word in present:
            assert word in text, (fmt, word)
        for word in absent:
            assert word not in text, (fmt, word)


class TestBeforePublication:
    async def test_every_change_shows_in_the_next_draft(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        amina, bruno = scene.people["amina"], scene.people["bruno"]
        await choose(client, factory, amina, "anonymous")
        await choose(client, factory, bruno, "named")
        assert_everywhere(
            await texts(client, factory, scene),
            present=["NAMEDQUOTE", "A practitioner", "ANONCONSENTQUOTE", "Bruno Silva"],
            absent=["Amina Wanjiru", "from Kenya"],  # one quotable Kenyan: no origin
        )
        steps = [
            (amina, "none", [], ["NAMEDQUOTE"]),
            (amina, "named", ["NAMEDQUOTE", "Amina Wanjiru"], []),
            (bruno, "none", [], ["ANONCONSENTQUOTE", "Bruno Silva"]),
            (bruno, "anonymous", ["ANONCONSENTQUOTE", "A practitioner"], ["Bruno", "Brazil"]),
        ]
        for user, consent, present, absent in steps:
            await choose(client, factory, user, consent)
            text = await json_text(client, factory, scene)
            assert all(w in text for w in present), (consent, present)
            assert not any(w in text for w in absent), (consent, absent)
        async with factory.session() as session:
            trail = (
                await session.exec(
                    select(ConsentChange)
                    .where(ConsentChange.user_id == amina.id)
                    .order_by(col(ConsentChange.id))
                )
            ).all()
        assert [(c.before, c.after, c.reports_regenerated) for c in trail] == [
            ("named", "anonymous", 0),
            ("anonymous", "none", 0),
            ("none", "named", 0),
        ]

    async def test_a_post_cannot_widen_its_authors_consent(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)  # Olga: profile "none", one post marked "named"
        text = await json_text(client, factory, scene)
        assert "OVERRIDEQUOTE" not in text and "Olga Petrova" not in text


class TestAfterPublication:
    async def test_a_withdrawal_rebuilds_the_published_report_and_tells_organizers(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await Review(client, factory, scene).publish()
        assert "NAMEDQUOTE" in await json_text(client, factory, scene)
        amina = scene.people["amina"]
        await choose(client, factory, amina, "anonymous")  # narrower: the name goes
        assert_everywhere(
            await texts(client, factory, scene),
            present=["NAMEDQUOTE", "A practitioner"],
            absent=["Amina Wanjiru", "from Kenya"],
        )
        await choose(client, factory, amina, "none")
        assert_everywhere(
            await texts(client, factory, scene), present=["ANONCONSENTQUOTE"], absent=["NAMEDQUOTE"]
        )
        async with factory.session() as session:
            stored = (
                await session.exec(select(ReportSnapshot).order_by(col(ReportSnapshot.version)))
            ).all()
            notices = (
                await session.exec(select(Notice).where(Notice.kind == "report_updated"))
            ).all()
            entries = (
                await session.exec(
                    select(AuditEntry).where(
                        AuditEntry.dialogue_id == scene.dialogue.id,
                        AuditEntry.action == "consent.change",
                    )
                )
            ).all()
        assert [s.version for s in stored] == [1, 2, 3]
        for snapshot in stored:  # no stored copy keeps the withdrawn words
            assert "NAMEDQUOTE" not in snapshot.document
            assert "Amina Wanjiru" not in snapshot.document
        told = {n.user_id for n in notices}  # the dialogue's organizers, once per rebuild
        assert scene.organizer.id in told and amina.id not in told
        assert len(notices) == 2 * len(told)
        assert [(e.actor_id, e.before, e.after) for e in entries] == [
            (None, {"quote_consent": "named"}, {"quote_consent": "anonymous"}),
            (None, {"quote_consent": "anonymous"}, {"quote_consent": "none"}),
        ]
        assert all(json.dumps(e.reason) == '""' for e in entries)  # names nobody

    async def test_widening_after_publication_rebuilds_nothing(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await Review(client, factory, scene).publish()
        await choose(client, factory, scene.people["bruno"], "named")
        async with factory.session() as session:
            versions = (await session.exec(select(ReportSnapshot.version))).all()
            notices = (await session.exec(select(Notice))).all()
        assert list(versions) == [1]
        assert not [n for n in notices if n.kind == "report_updated"]


class TestOrganizersTrail:
    async def test_the_audit_log_shows_the_change_without_the_person(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await choose(client, factory, scene.people["eve"], "none")  # Eve wrote anonymously
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/audit-log",
            headers=await factory.auth(scene.organizer),
        )
        assert response.status_code == 200, response.text
        assert "consent.change" in response.text
        assert "Eve Hidden" not in response.text
        changes = [e for e in response.json()["items"] if e["action"] == "consent.change"]
        assert len(changes) == 1
        assert {k: v for k, v in changes[0].items() if "actor" in k or "target" in k} == {
            k: None for k in changes[0] if ("actor" in k or "target" in k) and k != "target_type"
        } | {"target_type": "consent"}
