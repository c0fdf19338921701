"""The published schema is complete enough for a generated client, and it keeps anonymity.

Structural, like the route-policy test: it walks `/api/v1/openapi.json`, so a route added
tomorrow without a response model, or with a path parameter nobody declared, fails here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from httpx import AsyncClient
from pydantic import ValidationError

from dialogue.events.kinds import EventKind
from dialogue.events.payloads import EVENT_DATA, check_data
from dialogue.events.service import append_event
from dialogue.synthesis.api import REPORT_DOCUMENT
from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory

Operation = tuple[str, str, dict[str, Any]]
# The fields of a post or thread that may say who wrote it: the presenters mask both.
MASKED_AUTHOR_FIELDS = {"author", "author_name"}
# A file to download (a report in its formats other than JSON): its bytes are the answer; the
# JSON report is the report document, whose shape docs/report-schema.json gives.
DOWNLOAD = {"type": "string", "format": "binary"}
FILES = (DOWNLOAD, REPORT_DOCUMENT)
# Schemas that carry a post or a thread (or a post inside something else).
POST_SCHEMAS = ("PostPublic", "PostItem", "ModeratedPost", "PostEventData", "ThreadPublic")


@pytest.fixture
async def schema(client: AsyncClient) -> dict[str, Any]:
    response = await client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def operations(schema: dict[str, Any]) -> list[Operation]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    found: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return found


def names_a_model(schema: dict[str, Any], body: dict[str, Any] | None) -> bool:
    """A named model with declared fields, or a list of one; never a free-form object."""
    if not body:
        return False
    if "$ref" in body:
        return bool(component(schema, body["$ref"]).get("properties"))
    if body.get("type") == "array":
        return names_a_model(schema, body.get("items"))
    return False


def undeclared_answers(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The 2xx answers of an operation that say nothing of their body (204 has none)."""
    answers = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    problems = [] if answers else ["no 2xx answer"]
    for code, answer in answers.items():
        if code == "204":
            continue
        content = answer.get("content") or {}
        if not content:
            problems.append(f"{code}: no content")
        for media, entry in content.items():
            body = entry.get("schema")
            if (
                media == "application/json"
                and body not in FILES
                and not names_a_model(schema, body)
            ):
                problems.append(f"{code} {media}: {body}")
            elif not body:
                problems.append(f"{code} {media}: no schema")
    return problems


class TestEveryOperationIsDeclared:
    async def test_every_answer_has_a_schema(self, schema: dict[str, Any]) -> None:
        missing = {
            f"{method} {path}": problems
            for method, path, operation in operations(schema)
            if (problems := undeclared_answers(schema, operation))
        }
        assert missing == {}

    async def test_every_path_parameter_is_declared_with_a_type(
        self, schema: dict[str, Any]
    ) -> None:
        missing = {}
        for method, path, operation in operations(schema):
            declared = {
                p["name"]: p.get("schema", {})
                for p in operation.get("parameters", [])
                if p["in"] == "path"
            }
            for name in re.findall(r"{(\w+)}", path):
                if name not in declared or "type" not in declared[name]:
                    missing.setdefault(f"{method} {path}", []).append(name)
        assert missing == {}

    async def test_ids_in_paths_are_integers_and_slugs_strings(
        self, schema: dict[str, Any]
    ) -> None:
        post = schema["paths"]["/api/v1/posts/{post_id}"]["get"]
        dialogue = schema["paths"]["/api/v1/dialogues/{slug}"]["get"]
        assert [p["schema"]["type"] for p in post["parameters"] if p["in"] == "path"] == ["integer"]
        assert [p["schema"]["type"] for p in dialogue["parameters"] if p["in"] == "path"] == [
            "string"
        ]

    async def test_a_repeated_client_id_answer_is_documented_too(
        self, schema: dict[str, Any]
    ) -> None:
        answers = schema["paths"]["/api/v1/threads/{thread_id}/posts"]["post"]["responses"]
        for code in ("200", "201"):
            body = answers[code]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/PostPublic"}


class TestAnonymityInTheSchema:
    async def test_posts_and_threads_have_no_author_field_beyond_the_masked_ones(
        self, schema: dict[str, Any]
    ) -> None:
        for name in POST_SCHEMAS:
            fields = set(component(schema, name)["properties"])
            about_authors = {f for f in fields if "author" in f or f.endswith("user_id")}
            assert about_authors == MASKED_AUTHOR_FIELDS, name
            assert not fields & {"email", "editor_id", "user_id", "author_id"}, name

    async def test_an_anonymous_post_answers_within_the_schema_with_its_author_masked(
        self, client: AsyncClient, factory: Factory, schema: dict[str, Any]
    ) -> None:
        cast = await make_cast(factory, allow_anonymous=True)
        thread = await new_thread(client, cast, "participant", anonymous=True)
        reply = await new_post(client, cast, "participant", thread["id"], anonymous=True)
        declared = set(component(schema, "PostItem")["properties"])
        for who in ("moderator", "organizer", "admin", "participant2"):
            page = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h(who))
            assert page.status_code == 200
            items = page.json()["items"]
            assert [item["id"] for item in items] == [thread["post"]["id"], reply["id"]]
            for item in items:
                assert set(item) <= declared, who
                assert item["author"] is None, who
                assert item["author_name"] == "Anonymous participant", who


class TestEventsAreTyped:
    async def test_every_kind_has_a_model_and_the_events_route_declares_them(
        self, schema: dict[str, Any]
    ) -> None:
        assert set(EVENT_DATA) == set(EventKind)
        answer = schema["paths"]["/api/v1/dialogues/{slug}/events"]["get"]["responses"]["200"]
        page = answer["content"]["application/json"]["schema"]
        assert page == {"$ref": "#/components/schemas/EventPage"}
        events = component(schema, page["$ref"])["properties"]["events"]["items"]
        assert set(events["discriminator"]["mapping"]) == {kind.value for kind in EventKind}

    async def test_data_unlike_its_kind_is_refused_when_appended(self, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        assert dialogue.id is not None
        with pytest.raises(ValidationError):
            check_data(EventKind.REACTION_CHANGED, {"post_id": 1, "reactions": {}})
        async with factory.session() as session:
            with pytest.raises(ValidationError):
                await append_event(
                    session=session,
                    dialogue_id=dialogue.id,
                    kind=EventKind.CONDUCT_ACCEPTED,
                    data={"user_id": 1, "version": 1, "email": "someone@example.org"},
                )


class TestTypedPathsKeepTheirAnswers:
    @pytest.mark.parametrize("post_id", ["missing", "abc", "99999999999999999999", "0"])
    async def test_an_outsider_and_a_missing_id_get_the_same_404(
        self, client: AsyncClient, factory: Factory, post_id: str
    ) -> None:
        cast = await make_cast(factory)  # an invite dialogue
        thread = await new_thread(client, cast, "participant")
        hidden = await client.get(f"{API}/posts/{thread['post']['id']}", headers=cast.h("outsider"))
        target = "2147483000" if post_id == "missing" else post_id
        missing = await client.get(f"{API}/posts/{target}", headers=cast.h("participant"))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json() == missing.json()
