"""The demo's content checks and its schedule: pure functions, no database."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialogue.accounts.schemas import MeUpdate
from dialogue.demo.content import CONTENT, parse_content, read_content
from dialogue.demo.timeline import NEWEST_POST_AGE, THEME_LENGTH, Write, post_times, schedule

CONTENT_DATA = read_content()


def raw_content() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONTENT.read_text(encoding="utf-8"))
    return data


def _reply_across_threads(raw: dict[str, Any]) -> None:
    raw["threads"][1]["posts"][1]["reply_to"] = "t1p1"


def _observer_posts(raw: dict[str, Any]) -> None:
    raw["threads"][0]["posts"][1]["author"] = "wanjiru"


def _unknown_reactor(raw: dict[str, Any]) -> None:
    raw["threads"][0]["posts"][0]["reactions"]["agree"].append("nobody")


def _reply_before_parent(raw: dict[str, Any]) -> None:
    raw["threads"][0]["posts"][1]["hour"] = 5


def _flag_cites_no_clause(raw: dict[str, Any]) -> None:
    raw["flag"]["reason"] = "42"


def _code_on_unknown_post(raw: dict[str, Any]) -> None:
    raw["codes"][0]["posts"].append("t99p1")


def _email_missing(raw: dict[str, Any]) -> None:
    del raw["people"][3]["email"]


def _post_outside_its_week(raw: dict[str, Any]) -> None:
    raw["threads"][0]["posts"][-1]["day"] = 8


class TestContentChecks:
    def test_the_shipped_content_is_consistent(self) -> None:
        content = parse_content(raw_content())
        assert len(content.people) == 30 and len(content.threads) == 17
        for person in content.people:
            profile = {k: v for k, v in person.profile.items() if k != "constituency"}
            MeUpdate(**profile)  # the same rules as a profile edited through the API

    @pytest.mark.parametrize(
        ("breakage", "message"),
        [
            (_reply_across_threads, "t2p2"),
            (_observer_posts, "t1p2: author cannot post"),
            (_unknown_reactor, "nobody cannot react"),
            (_reply_before_parent, "t1p2"),
            (_flag_cites_no_clause, "cites no clause"),
            (_code_on_unknown_post, "t99p1"),
            (_post_outside_its_week, "outside its theme's week"),
            (_email_missing, "missing or malformed: 'email'"),
        ],
    )
    def test_a_broken_reference_is_named(self, breakage: Any, message: str) -> None:
        raw = copy.deepcopy(raw_content())
        breakage(raw)
        with pytest.raises(ValueError, match=re.escape(message)):
            parse_content(raw)


NOWS = [
    datetime(2026, 11, 29, 0, 5, tzinfo=UTC),
    datetime(2026, 11, 29, 11, 59, tzinfo=UTC),
    datetime(2026, 11, 29, 12, 1, tzinfo=UTC),
    datetime(2026, 11, 29, 23, 59, tzinfo=UTC),
]


class TestSchedule:
    @pytest.mark.parametrize("now", NOWS)
    def test_the_third_theme_is_open_and_its_posts_fit_before_now(self, now: datetime) -> None:
        plan = schedule(CONTENT_DATA, now)
        third = plan.windows[2]
        assert third.opens_at <= now - timedelta(hours=12) < now < third.closes_at
        assert timedelta(hours=12) <= now - third.opens_at <= timedelta(hours=36)
        assert third.opens_at.hour == 0 and plan.start == third.opens_at - 2 * THEME_LENGTH
        assert all(step.at < now for step in plan.steps)
        times = post_times(CONTENT_DATA, plan.windows, now)
        assert max(times.values()) <= now - NEWEST_POST_AGE

    @pytest.mark.parametrize("now", NOWS)
    def test_order_is_kept_and_replies_follow_their_parents(self, now: datetime) -> None:
        plan = schedule(CONTENT_DATA, now)
        assert [s.at for s in plan.steps] == sorted(s.at for s in plan.steps)
        written = [s.post for s in plan.steps if isinstance(s, Write)]
        seen: set[str] = set()
        for post in written:
            assert post.reply_to is None or post.reply_to in seen
            seen.add(post.key)
        for thread in CONTENT_DATA.threads:
            order = [p.key for p in written if p.thread == thread.index]
            assert order == [p.key for p in thread.posts]

    def test_only_the_running_theme_is_compressed(self) -> None:
        now = NOWS[2]
        plan = schedule(CONTENT_DATA, now)
        times = post_times(CONTENT_DATA, plan.windows, now)
        for thread in CONTENT_DATA.threads:
            for post in thread.posts:
                if thread.theme < 2:
                    assert times[post.key] == plan.start + post.offset
                else:
                    assert plan.windows[2].opens_at < times[post.key] < plan.start + post.offset
