"""Completing an @mention in Chromium, by keyboard only, axe-clean with the list open."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.dialogues.cast import make_cast, new_thread
from tests.factories import Factory

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestMentionCompletion:
    async def test_typed_chosen_and_inserted_by_keyboard(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        cast = await make_cast(factory, roles=("participant",), allow_anonymous=True)
        thread = await new_thread(client, cast, "participant", title="Safe routes home")
        named = cast.users["participant"].display_name
        page, watch = await open_page(chromium, live_server)
        try:
            await sign_in(
                page,
                email=cast.users["participant2"].email,
                next=f"/d/{cast.slug}/threads/{thread['id']}",
            )
            field = page.locator("#reply-thread-body")
            await field.focus()
            await page.keyboard.type("Thank you @part")
            listbox = page.get_by_role("listbox", name="Names to mention")
            await expect(listbox).to_be_visible()
            await expect(listbox.get_by_role("option")).to_have_text([named])
            await expect(field).to_have_attribute("aria-activedescendant", "mentions-option-0")
            await expect(field).to_have_attribute("aria-controls", "mentions-list")
            await expect(page.locator("#mentions-status")).to_have_text(
                "1 name to mention: up and down arrows to choose, Enter to insert."
            )
            await expect(listbox.get_by_role("option", selected=True)).to_have_text(named)
            await assert_accessible(page)
            await page.keyboard.press("ArrowDown")  # one name: it stays chosen
            await page.keyboard.press("Enter")
            await expect(field).to_have_value(f"Thank you @{named} ")
            await expect(listbox).to_be_hidden()
            await expect(field).not_to_have_attribute("aria-activedescendant", "mentions-option-0")
            await expect(page.locator("#mentions-status")).to_have_text(f"Mention added: {named}")

            await page.keyboard.type("and @Pa")  # Escape closes without inserting
            await expect(listbox).to_be_visible()
            await page.keyboard.press("Escape")
            await expect(listbox).to_be_hidden()
            await expect(field).to_have_value(f"Thank you @{named} and @Pa")
            await page.keyboard.type("rt")  # and Tab accepts, as Enter does
            await expect(listbox).to_be_visible()
            await page.keyboard.press("Tab")
            await expect(field).to_have_value(f"Thank you @{named} and @{named} ")
            await expect(field).to_be_focused()
            assert watch.problems() == []
        finally:
            await page.context.close()
