"""Every moderation route against every role: who is let through, and how the others are refused.

Refusals follow the contract: in an invite dialogue, outsiders (signed in or not, and the
moderator of another dialogue) get 404; members without the right get 403; a route for any
signed-in account answers 401 to nobody-signed-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from dialogue.db import utcnow
from dialogue.policy import Role
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene

CALLERS = (
    "anonymous",
    "outsider",
    "observer",
    "participant",
    "expert",
    "advisor",
    "moderator",
    "organizer",
    "admin",
    "other_moderator",
)
STAFF = frozenset({"moderator", "organizer", "admin"})
REVIEWERS = STAFF | {"advisor"}
CONTRIBUTORS = REVIEWERS | {"expert", "participant"}
MEMBERS = CONTRIBUTORS | {"observer"}
SIGNED_IN = frozenset(CALLERS) - {"anonymous"}
ORGANIZERS = frozenset({"organizer", "admin"})


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    allowed: frozenset[str]
    body: dict[str, Any] | None = None
    site_wide: bool = False  # not inside a dialogue: anonymous gets 401, not 404


async def setting(factory: Factory, client: httpx.AsyncClient) -> tuple[Scene, dict[str, Any]]:
    scene = await build_scene(factory, client, moderation="pre", allow_anonymous=True)
    other = await factory.dialogue()
    await scene.add("other_moderator", None)
    other_mod = await factory.member(other, Role.MODERATOR)
    scene.users["other_moderator"] = other_mod
    scene.headers["other_moderator"] = await factory.auth(other_mod)
    scene.headers["anonymous"] = {}
    thread = await scene.thread("moderator")
    pending = await scene.post(thread["id"])
    published = await scene.post(thread["id"], who="moderator")
    anonymous = await scene.post(thread["id"], who="participant2", anonymous=True)
    await scene.moderate(anonymous["id"], "approve")
    hidden = await scene.post(thread["id"], who="participant")
    await scene.moderate(hidden["id"], "reject", who="moderator2", reason="clause 1", clause="1")
    notices = await client.get("/api/v1/me/notices", headers=scene.headers["participant"])
    notice_id = notices.json()["items"][0]["id"]
    appeal = await client.post(
        f"/api/v1/me/notices/{notice_id}/appeal",
        json={"note": "n"},
        headers=scene.headers["participant"],
    )
    code = await client.post(
        f"/api/v1/dialogues/{scene.slug}/codes",
        json={"name": "c"},
        headers=scene.headers["moderator"],
    )
    unmask = await client.post(
        f"/api/v1/posts/{anonymous['id']}/unmask",
        json={"reason": "r"},
        headers=scene.headers["moderator2"],
    )
    ids = {
        "slug": scene.slug,
        "thread": thread["id"],
        "pending": pending["id"],
        "published": published["id"],
        "anonymous": anonymous["id"],
        "appeal": appeal.json()["id"],
        "code": code.json()["id"],
        "unmask": unmask.json()["id"],
        "member": scene.users["participant2"].id,
        "until": (utcnow() + timedelta(hours=1)).isoformat(),
    }
    return scene, ids


CASES = {
    "queue": Case("GET", "/api/v1/dialogues/{slug}/moderation/queue", STAFF),
    "approve": Case("POST", "/api/v1/posts/{pending}/moderation", STAFF, {"action": "approve"}),
    "highlight": Case(
        "POST", "/api/v1/posts/{published}/moderation", STAFF, {"action": "highlight"}
    ),
    "bulk": Case("POST", "/api/v1/dialogues/{slug}/moderation/approve", STAFF, {"post_ids": [1]}),
    "edit": Case(
        "POST", "/api/v1/posts/{published}/moderation/edit", STAFF, {"body": "b", "note": "n"}
    ),
    "flag": Case("POST", "/api/v1/posts/{published}/flags", CONTRIBUTORS, {"reason": "other"}),
    "settle": Case(
        "POST", "/api/v1/posts/{published}/flags/settle", STAFF, {"outcome": "dismissed"}
    ),
    "my_flags": Case("GET", "/api/v1/me/flags", SIGNED_IN, site_wide=True),
    "notices": Case("GET", "/api/v1/me/notices", SIGNED_IN, site_wide=True),
    "codes": Case("GET", "/api/v1/dialogues/{slug}/codes", REVIEWERS),
    "code_create": Case("POST", "/api/v1/dialogues/{slug}/codes", STAFF, {"name": "x"}),
    "post_codes": Case("PUT", "/api/v1/posts/{published}/codes", STAFF, {"codes": []}),
    "thread": Case("POST", "/api/v1/threads/{thread}/moderation", STAFF, {"action": "pin"}),
    "member": Case(
        "POST",
        "/api/v1/dialogues/{slug}/members/{member}/moderation",
        STAFF,
        {"action": "mute", "until": "{until}", "reason": "r"},
    ),
    "author": Case(
        "POST",
        "/api/v1/posts/{anonymous}/author/moderation",
        STAFF,
        {"action": "mute", "until": "{until}", "reason": "r"},
    ),
    "trail": Case("GET", "/api/v1/dialogues/{slug}/members/{member}/audit", REVIEWERS),
    "invite": Case(
        "POST",
        "/api/v1/dialogues/{slug}/invitations/bulk",
        ORGANIZERS,
        {"emails": "new@example.org", "role": "expert"},
    ),
    "mode": Case("PUT", "/api/v1/dialogues/{slug}/moderation/mode", ORGANIZERS, {"mode": "post"}),
    "audit": Case("GET", "/api/v1/dialogues/{slug}/audit-log", REVIEWERS),
    "transparency": Case("GET", "/api/v1/dialogues/{slug}/transparency", MEMBERS | {"admin"}),
    "appeals": Case("GET", "/api/v1/dialogues/{slug}/appeals", REVIEWERS),
    "decide_appeal": Case(
        "POST",
        "/api/v1/dialogues/{slug}/appeals/{appeal}/decision",
        STAFF,
        {"outcome": "upheld"},
    ),
    "unmask_list": Case("GET", "/api/v1/posts/{anonymous}/unmask", STAFF),
    "unmask_request": Case("POST", "/api/v1/posts/{anonymous}/unmask", STAFF, {"reason": "r"}),
    "unmask_decide": Case(
        "POST",
        "/api/v1/posts/{anonymous}/unmask/{unmask}/decision",
        STAFF,
        {"approve": False},
    ),
}


def _fill(value: Any, ids: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def refusal(case: Case, caller: str) -> int:
    if caller == "anonymous":
        return 401 if case.site_wide else 404
    if caller in ("outsider", "other_moderator"):
        return 404
    return 403


@pytest.mark.parametrize("name", sorted(CASES))
async def test_every_role(
    name: str, db_kind: str, factory: Factory, client: httpx.AsyncClient
) -> None:
    case = CASES[name]
    scene, ids = await setting(factory, client)
    path = case.path.format(**ids)
    for caller in CALLERS:
        response = await client.request(
            case.method,
            path,
            json=_fill(case.body, ids) if case.body is not None else None,
            headers=scene.headers[caller],
        )
        if caller in case.allowed:
            assert response.status_code not in (401, 403, 404), (caller, response.text)
            assert response.status_code < 500, (caller, response.text)
        else:
            assert response.status_code == refusal(case, caller), (caller, response.text)
