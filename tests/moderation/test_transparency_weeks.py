"""The transparency page's weeks: clauses applied, median waits, appeals, and no small count.

A count under five is withheld ("withheld" on the page, None in the API), and so is one more
wherever a total would give it away by subtraction; a median needs five waits. Names of
authors, flaggers, targets and moderators never appear.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime

import httpx
import pytest

from dialogue.moderation.transparency import Tally, published, week_of, weeks
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene
from tests.web.clients import visitor

EXACT_SMALL = re.compile(r"<(dd|td)>\s*[0-4]\s*</\1>|: [0-4]</li>")


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="pre")


async def queued_post(scene: Scene, thread_id: int, who: str = "participant") -> int:
    post = await scene.post(thread_id, who)
    assert post["status"] == "pending"
    post_id: int = post["id"]
    return post_id


class TestWeeks:
    def test_weeks_start_on_monday(self) -> None:
        assert week_of(datetime(2026, 12, 4, 23, 59, tzinfo=UTC)) == date(2026, 11, 30)
        assert week_of(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == date(2026, 11, 30)

    def test_each_week_counts_its_own_and_withholds_small_ones(self) -> None:
        one, two = date(2026, 11, 23), date(2026, 11, 30)
        counted = Tally(
            actions={},
            flags={},
            appeals={},
            waits=[(one, 60.0)] * 5 + [(two, 10.0)] * 4,
            clauses=Counter({(one, "2"): 7, (one, "10"): 5, (one, "3"): 1, (two, "2"): 4}),
            decided=Counter({(two, "overturned"): 5, (two, "upheld"): 2}),
        )
        first, second = weeks(counted)
        assert first.week == "2026-11-23" and second.week == "2026-11-30"
        assert [(c.clause, c.applied) for c in first.clauses] == [("2", 7), ("3", None), ("10", 5)]
        assert first.median_queue_seconds == 60.0 and second.median_queue_seconds is None
        assert (second.appeals_overturned, second.appeals_upheld) == (5, None)
        assert [(c.clause, c.applied) for c in second.clauses] == [("2", None)]


class TestTotals:
    def test_no_total_gives_a_withheld_count_away(self) -> None:
        one, two = date(2026, 11, 23), date(2026, 11, 30)
        counted = Tally(
            actions={"post.hide": 3, "post.auto_hide": 6},
            flags={"upheld": 6, "dismissed": 5, "open": 2},
            appeals={"overturned": 9, "upheld": 6},
            waits=[],
            decided=Counter({(one, "overturned"): 7, (two, "overturned"): 2, (one, "upheld"): 6}),
        )
        cells = published(counted)
        # 3 hidden by hand = 9 - 6: "after flags" goes too.
        assert (cells["hidden"], cells["hidden_by_flags"]) == (9, None)
        # 2 flags still open = 13 - 6 - 5: the smaller of the two goes.
        assert (cells["flags"], cells["flags_upheld"], cells["flags_dismissed"]) == (13, 6, None)
        # Week two's 2 granted = 9 - 7: week one's 7 goes too.
        assert cells["appeals_overturned"] == 9
        assert (cells[("overturned", one)], cells[("overturned", two)]) == (None, None)
        # Nothing small is left over among the appeals: 15 = 9 granted + 6 refused.
        assert (cells["appeals"], cells[("upheld", one)]) == (15, 6)
        assert not {"hidden_by_hand", "flags_open", "appeals_rest"} & set(cells)
        first, second = weeks(counted, {c for c, n in cells.items() if n is None})
        assert (first.appeals_overturned, first.appeals_upheld) == (None, 6)
        assert second.appeals_overturned is None


class TestThePage:
    async def test_clauses_waits_and_appeals_with_no_names_and_no_small_count(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread("moderator")
        rejected = [await queued_post(scene, thread["id"]) for _ in range(5)]
        for post_id in rejected:
            response = await scene.moderate(post_id, "reject", reason="Names a girl", clause="2")
            assert response.status_code == 200, response.text
        other = await queued_post(scene, thread["id"], "participant2")
        await scene.moderate(other, "reject", reason="Insult", clause="3")
        notices = await scene.client.get(
            "/api/v1/me/notices", headers=scene.headers["participant2"]
        )
        appeal = await scene.client.post(
            f"/api/v1/me/notices/{notices.json()['items'][0]['id']}/appeal",
            json={"note": "Please"},
            headers=scene.headers["participant2"],
        )
        decided = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/appeals/{appeal.json()['id']}/decision",
            json={"outcome": "overturned"},
            headers=scene.headers["moderator2"],
        )
        assert decided.status_code == 200, decided.text

        api = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/transparency", headers=scene.headers["observer"]
        )
        figures = api.json()
        assert figures["rejected"] == 6 and figures["median_queue_seconds"] is not None
        assert figures["appeals"] is None and figures["approved"] is None
        [week] = figures["weeks"]
        assert week["clauses"] == [
            {"clause": "2", "applied": 5},
            {"clause": "3", "applied": None},
        ]
        assert (week["appeals_overturned"], week["appeals_upheld"]) == (None, None)
        assert week["median_queue_seconds"] is not None

        async with visitor(scene.factory.app, scene.users["observer"]) as browser:
            page = await browser.get(f"/d/{scene.slug}/transparency")
        assert page.status_code == 200
        assert "Clause 2: 5" in page.text and "Clause 3: withheld" in page.text
        assert not EXACT_SMALL.search(page.text), EXACT_SMALL.search(page.text)
        reader = scene.users["observer"]  # named in the page's header only, as the one signed in
        for text in (page.text.replace(f">{reader.display_name}</a>", ""), api.text):
            for user in scene.users.values():
                assert not re.search(rf"\b{re.escape(user.display_name)}\b", text), user
                assert user.email not in text
            assert "Names a girl" not in text and "Please" not in text
