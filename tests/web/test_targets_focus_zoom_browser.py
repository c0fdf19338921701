"""What axe does not measure, measured in a real browser on the main pages: target sizes
(WCAG 2.2 SC 2.5.8), a visible focus indicator with enough contrast on every stop of the
Tab order (SC 2.4.7 and 1.4.11), and no horizontal scrolling or cut-off content at 360 px
or at 200% zoom of a 1280 px window, a 640 CSS px viewport (SC 1.4.10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page

from dialogue.threads.models import PostStatus
from tests.browser import LiveServer, open_page, sign_in
from tests.factories import Factory
from tests.web import scenes

# Layout and focus do not depend on the database: SQLite only.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

MAX_TABS = 150  # more stops than any of these pages has: the walk ends where it began
WIDE, PHONE, ZOOMED = 1280, 360, 640  # 640 CSS px: a 1280 px window at 200%
MEASURES = (Path(__file__).parent / "page_measures.js").read_text(encoding="utf-8")


async def measured(page: Page, kind: str) -> Any:
    """One of page_measures.js's measurements, taken in the page as it is now."""
    return await page.evaluate(MEASURES, kind)


async def focus_problems(page: Page) -> tuple[list[str], int]:
    """Tab from the top through every stop until the walk comes back round; what is wrong,
    and how many stops there were."""
    await page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    problems, stops = [], 0
    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        stop = await measured(page, "focus")
        if stop is None:
            continue
        if stop["again"]:
            return problems, stops
        stops += 1
        if not stop["ok"]:
            problems.append(f"{stop['name']}: focus indicator contrast {stop['contrast']}")
    problems.append(f"more than {MAX_TABS} Tab stops, or focus is trapped")
    return problems, stops


async def measure(page: Page, path: str) -> list[str]:
    """Everything wrong on one page, at each width, each line naming the page."""
    await page.set_viewport_size({"width": WIDE, "height": 800})
    await page.goto(path)
    found = [f"{WIDE} px: {line}" for line in await measured(page, "targets")]
    targets = await measured(page, "count")
    unfocused, stops = await focus_problems(page)
    print(f"{path}: {targets} targets, {stops} Tab stops")
    assert stops >= 5, f"{path}: the walk met only {stops} stops"
    found += [f"focus: {line}" for line in unfocused]
    # The forms behind "Reply", "Moderate", "Delete" and the like are measured open.
    await page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    for width in (PHONE, ZOOMED):
        await page.set_viewport_size({"width": width, "height": 640})
        await page.evaluate("() => window.scrollTo(0, 0)")
        found += [f"{width} px: {line}" for line in await measured(page, "overflow")]
        if width == PHONE:
            found += [f"{width} px: {line}" for line in await measured(page, "targets")]
    return [f"{path} at {line}" for line in found]


async def busy_dialogue(app: FastAPI, factory: Factory) -> tuple[scenes.Scene, str, int]:
    """A dialogue with a thread of replies, a post waiting in the queue, and a moderator."""
    s = await scenes.scene(factory, moderation="pre")
    moderator = await factory.member(s.dialogue, "moderator", display_name="Mona Moderator")
    thread, first = await scenes.start_thread(
        app, s.dialogue, s.theme, moderator, title="Accountability in practice",
        body="What does accountability mean in your work? See https://example.org/a-report.",
    )  # fmt: skip
    reply = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=first)
    await scenes.set_status(app, reply, PostStatus.PUBLISHED)
    waiting = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, body="In the queue.")
    await scenes.set_status(app, waiting, PostStatus.PENDING)
    return s, moderator.email, thread.id or 0


class TestTargetsFocusAndZoom:
    async def test_the_main_pages(
        self, chromium: Browser, live_server: LiveServer, factory: Factory
    ) -> None:
        s, moderator, thread_id = await busy_dialogue(factory.app, factory)
        slug = s.dialogue.slug
        page, watch = await open_page(chromium, live_server)
        try:
            problems = await measure(page, "/login")
            await sign_in(page, email=moderator)
            for path in (
                f"/d/{slug}",
                f"/d/{slug}/threads/{thread_id}",
                "/me",
                f"/d/{slug}/moderation",
            ):
                problems += await measure(page, path)
        finally:
            await page.context.close()
        assert not watch.problems(), watch.problems()
        assert problems == [], "\n".join(problems)
