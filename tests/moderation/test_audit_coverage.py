"""Role, membership and edit actions taken through the contract's own routes are audited too."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Factory

API = "/api/v1"


async def entries(client: httpx.AsyncClient, slug: str, headers: dict[str, str]) -> list[Any]:
    response = await client.get(f"{API}/dialogues/{slug}/audit-log", headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


class TestContractRoutesAreAudited:
    async def test_role_change_invitation_join_and_moderator_edit(
        self, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="invite")
        theme = await factory.theme(d)
        organizer = await factory.member(d, "organizer")
        moderator = await factory.member(d, "moderator")
        member = await factory.member(d, "participant")
        org_h = await factory.auth(organizer)

        changed = await client.put(
            f"{API}/dialogues/{d.slug}/members/{member.id}", json={"role": "expert"}, headers=org_h
        )
        assert changed.status_code == 200, changed.text
        invited = await client.post(
            f"{API}/dialogues/{d.slug}/invitations",
            json={"email": "new.person@example.org", "role": "participant"},
            headers=org_h,
        )
        assert invited.status_code == 201, invited.text
        joined = await client.post(
            f"{API}/invitations/{invited.json()['token']}/accept",
            json={"display_name": "New Person", "password": "a long enough password"},
        )
        assert joined.status_code == 200, joined.text
        member_h = await factory.auth(member)
        thread = await client.post(
            f"{API}/themes/{theme.id}/threads",
            json={"title": "T", "body": "Original words."},
            headers=member_h,
        )
        post_id = thread.json()["post"]["id"]
        edited = await client.patch(
            f"{API}/posts/{post_id}",
            json={"body": "Edited by a moderator.", "note": "removed a name"},
            headers=await factory.auth(moderator),
        )
        assert edited.status_code == 200, edited.text
        own = await client.patch(
            f"{API}/posts/{post_id}", json={"body": "The author's own edit."}, headers=member_h
        )
        assert own.status_code == 200

        log = {e["action"]: e for e in await entries(client, d.slug, org_h)}
        role = log["member.update"]
        assert (role["before"]["role"], role["after"]["role"]) == ("participant", "expert")
        assert role["actor_id"] == organizer.id and role["target_id"] == member.id
        assert log["invitation.create"]["after"] == {
            "email": "new.person@example.org",
            "role": "participant",
        }
        assert log["member.join"]["actor_id"] == joined.json()["user"]["id"]
        edit = log["post.edit"]
        assert edit["actor_id"] == moderator.id and edit["reason"] == "removed a name"
        # Lengths only: advisors read the log, and an edit may remove a name.
        assert (edit["before"], edit["after"]) == ({"chars": 15}, {"chars": 22})
        assert "Original words." not in str(await entries(client, d.slug, org_h))
        all_edits = [e for e in await entries(client, d.slug, org_h) if e["action"] == "post.edit"]
        assert len(all_edits) == 1  # the author's own edit is not a moderation action
