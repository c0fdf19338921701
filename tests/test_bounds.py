"""Values the database cannot hold, times that overflow, control characters, odd digits.

Each case is a reproduction from the hardening issue (item 7) or one of its kind found
elsewhere: every one answers a clear 4xx, never a 500, and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from dialogue.bounds import parse_id, safe_time
from tests.factories import Factory
from tests.helpers import assert_error

HUGE = 2**63  # what the issue sent; 2**31 is the first id PostgreSQL cannot hold
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass
class Scene:
    slug: str
    theme_id: int
    thread_id: int
    post_id: int
    participant_id: int
    admin: dict[str, str]
    participant: dict[str, str]


@pytest.fixture
async def scene(factory: Factory, client: httpx.AsyncClient) -> Scene:
    admin = await factory.user(is_admin=True)
    dialogue = await factory.dialogue(owner=admin, allow_anonymous=True)
    theme = await factory.theme(dialogue)
    participant = await factory.member(dialogue, "participant")
    headers = await factory.auth(participant)
    created = await client.post(
        f"/api/v1/themes/{theme.id}/threads",
        json={"title": "Opening", "body": "First", "anonymous": True},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    thread = created.json()
    assert theme.id is not None and participant.id is not None
    return Scene(
        slug=dialogue.slug,
        theme_id=theme.id,
        thread_id=thread["id"],
        post_id=thread["post"]["id"],
        participant_id=participant.id,
        admin=await factory.auth(admin),
        participant=headers,
    )


FAR_TIMES = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", "1000-01-01T00:00:00Z"]


def mute(until: str) -> dict[str, Any]:
    return {"action": "mute", "until": until, "reason": "x"}


# (method, url, JSON body, who, status): {name} fields come from the scene.
CASES: dict[str, tuple[str, str, Any, str, int]] = {
    "report comment theme_id": (
        "POST",
        "/api/v1/dialogues/{slug}/report/comments",
        {"body": "c", "theme_id": HUGE},
        "admin",
        422,
    ),
    "theme position 2**63": (
        "PATCH",
        "/api/v1/themes/{theme_id}",
        {"position": HUGE},
        "admin",
        422,
    ),
    "theme position 2**40": (
        "PATCH",
        "/api/v1/themes/{theme_id}",
        {"position": 2**40},
        "admin",
        422,
    ),
    "theme facilitator id": (
        "PATCH",
        "/api/v1/themes/{theme_id}",
        {"facilitators": [HUGE]},
        "admin",
        422,
    ),
    "narrative theme id": (
        "PUT",
        "/api/v1/dialogues/{slug}/report/narrative",
        {"theme_summaries": {str(HUGE): "x"}},
        "admin",
        422,
    ),
    **{
        f"member mute until {when}": (
            "POST",
            "/api/v1/dialogues/{slug}/members/{participant_id}/moderation",
            mute(when),
            "admin",
            422,
        )
        for when in FAR_TIMES
    },
    **{
        f"author mute until {when}": (
            "POST",
            "/api/v1/posts/{post_id}/author/moderation",
            mute(when),
            "admin",
            422,
        )
        for when in FAR_TIMES
    },
    "member put muted_until": (
        "PUT",
        "/api/v1/dialogues/{slug}/members/{participant_id}",
        {"muted_until": FAR_TIMES[0]},
        "admin",
        422,
    ),
    "display name NUL": ("PATCH", "/api/v1/me", {"display_name": "Ana\x00"}, "participant", 422),
    "display name escape": (
        "PATCH",
        "/api/v1/me",
        {"display_name": "Ana\x1b[31m"},
        "participant",
        422,
    ),
    "display name newline": ("PATCH", "/api/v1/me", {"display_name": "A\nB"}, "participant", 422),
    "organization DEL": ("PATCH", "/api/v1/me", {"organization": "Org\x7f"}, "participant", 422),
    "invitation e-mail NUL": (
        "POST",
        "/api/v1/dialogues/{slug}/invitations",
        {"email": "a\x00b@example.org", "role": "participant"},
        "admin",
        422,
    ),
    "report comment NUL": (
        "POST",
        "/api/v1/dialogues/{slug}/report/comments",
        {"body": "c\x00"},
        "admin",
        422,
    ),
    "reply parent_id": (
        "POST",
        "/api/v1/threads/{thread_id}/posts",
        {"body": "x", "parent_id": HUGE},
        "participant",
        422,
    ),
    "post id in Arabic-Indic digits": ("GET", "/api/v1/posts/{arabic_post_id}", None, "admin", 404),
    "post id with a sign": ("GET", "/api/v1/posts/+{post_id}", None, "admin", 404),
    "post id 2**63": ("GET", f"/api/v1/posts/{HUGE}", None, "admin", 404),
    "thread id with underscore": ("GET", "/api/v1/threads/0_{thread_id}", None, "admin", 404),
    "theme path id": ("PATCH", f"/api/v1/themes/{HUGE}", {"position": 1}, "admin", 404),
    "member path id": (
        "PUT",
        f"/api/v1/dialogues/{{slug}}/members/{HUGE}",
        {"trusted": True},
        "admin",
        404,
    ),
    "member path id in Arabic-Indic digits": (
        "PUT",
        "/api/v1/dialogues/{slug}/members/{arabic_participant_id}",
        {"trusted": True},
        "admin",
        404,
    ),
    "after_id with underscore": (
        "GET",
        "/api/v1/threads/{thread_id}/posts?after_id=1_0",
        None,
        "admin",
        422,
    ),
    "after_id 2**63": (
        "GET",
        f"/api/v1/threads/{{thread_id}}/posts?after_id={HUGE}",
        None,
        "admin",
        422,
    ),
    "posts limit 2**63": (
        "GET",
        f"/api/v1/threads/{{thread_id}}/posts?limit={HUGE}",
        None,
        "admin",
        422,
    ),
    "events after 2**63": (
        "GET",
        f"/api/v1/dialogues/{{slug}}/events?after={HUGE}",
        None,
        "admin",
        422,
    ),
    "events after Arabic-Indic": (
        "GET",
        "/api/v1/dialogues/{slug}/events?after=١",
        None,
        "admin",
        422,
    ),
    "audit actor_id 2**63": (
        "GET",
        f"/api/v1/dialogues/{{slug}}/audit-log?actor_id={HUGE}",
        None,
        "admin",
        422,
    ),
    "thread cursor with Arabic-Indic id": (
        "GET",
        "/api/v1/themes/{theme_id}/threads?before=2026-01-01T00:00:00%2B00:00|{arabic_thread_id}",
        None,
        "admin",
        422,
    ),
    "thread cursor far time": (
        "GET",
        "/api/v1/themes/{theme_id}/threads?before=9999-12-31T23:59:59-05:00|1",
        None,
        "admin",
        422,
    ),
    "queue limit 2**63": (
        "GET",
        f"/api/v1/dialogues/{{slug}}/moderation/queue?limit={HUGE}",
        None,
        "admin",
        422,
    ),
}


class TestBadInputAnswers4xx:
    @pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
    async def test_case(self, case: str, scene: Scene, client: httpx.AsyncClient) -> None:
        method, template, body, who, status = CASES[case]
        names = {
            **vars(scene),
            "arabic_post_id": str(scene.post_id).translate(ARABIC_INDIC),
            "arabic_thread_id": str(scene.thread_id).translate(ARABIC_INDIC),
            "arabic_participant_id": str(scene.participant_id).translate(ARABIC_INDIC),
        }
        url = template.format(**names)
        headers = scene.admin if who == "admin" else scene.participant
        response = await client.request(method, url, json=body, headers=headers)
        assert_error(response, status, "invalid" if status == 422 else "not_found")

    async def test_the_same_ids_in_plain_digits_work(
        self, scene: Scene, client: httpx.AsyncClient
    ) -> None:
        """The cases above fail on their values alone: written plainly, they are answered."""
        assert (await client.get(f"/api/v1/posts/{scene.post_id}", headers=scene.admin)).is_success
        moved = await client.patch(
            f"/api/v1/themes/{scene.theme_id}", json={"position": 3}, headers=scene.admin
        )
        # Positions are clamped to the dialogue's themes: its only theme stays first.
        assert moved.status_code == 200 and moved.json()["position"] == 0
        muted = await client.post(
            f"/api/v1/posts/{scene.post_id}/author/moderation",
            json=mute("8999-12-31T23:59:59-05:00"),
            headers=scene.admin,
        )
        assert muted.status_code == 200, muted.text


class TestDeepJson:
    async def test_a_deeply_nested_body_is_a_4xx(self, scene: Scene, client: httpx.AsyncClient):
        nested = '{"a":' * 5000 + "{}" + "}" * 5000
        response = await client.post(
            f"/api/v1/threads/{scene.thread_id}/posts",
            content='{"body": "x", "extra": ' + nested + "}",
            headers={**scene.participant, "content-type": "application/json"},
        )
        assert 400 <= response.status_code < 500, response.text
        assert "code" in response.json()["error"]


class TestBounds:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            *[("12", 12), ("١٢", None), ("1_2", None), ("+12", None), (" 12", None), ("0", None)],
            *[(str(2**31 - 1), 2**31 - 1), (str(2**31), None), ("9" * 5000, None)],
        ],
    )
    def test_parse_id(self, text: str, expected: int | None) -> None:
        assert parse_id(text) == expected

    @pytest.mark.parametrize("when", FAR_TIMES)
    def test_far_times_are_refused_without_overflow(self, when: str) -> None:
        from datetime import datetime

        with pytest.raises(ValueError, match="between the years"):
            safe_time(datetime.fromisoformat(when))
