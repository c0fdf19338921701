"""An organizer sets a dialogue up from nothing, in pages only, and a person they invite joins.

The whole of an organizer's first week in one browser run: create the dialogue, write the
code of conduct, add a theme, invite by pasting an address, open it after its confirmation;
then the invitee follows the link from the batch page, accepts and reads the open theme.
No step touches the API; every page on the way is checked with axe.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, expect

from dialogue.accounts import service as accounts
from dialogue.state import app_state
from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory

pytestmark = pytest.mark.browser

SLUG = "week-one-journey"


async def submit(page: Page, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


async def test_an_organizer_sets_up_and_opens_a_dialogue_in_pages(
    browser_page: Page, chromium: Browser, live_server: LiveServer, factory: Factory
) -> None:
    page = browser_page
    admin = await factory.user(is_admin=True)
    await sign_in(page, email=admin.email)

    await page.goto("/")
    await submit(page, 'a[href="/dialogues/new"]')
    await assert_accessible(page)
    await page.fill("#title", "Accountability, week one")
    await page.fill("#slug", SLUG)
    await page.fill("#summary", "Practitioners on what accountability means.")
    await submit(page, 'form[action="/dialogues/new"] button[type=submit]')
    assert f"/d/{SLUG}/settings" in page.url, page.url  # made: its settings come next
    await page.goto(f"/d/{SLUG}")
    checklist = page.locator(".checklist")
    await expect(checklist).to_be_visible()  # a draft: the organizer's setup checklist
    await assert_accessible(page)

    await submit(page, f'nav a[href="/d/{SLUG}/settings"]')
    await page.fill("#code_of_conduct", "1. Speak from your own experience.\n2. No names.")
    await submit(page, "button[name=preview]")
    await expect(page.locator("#preview-heading")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("No names.")
    await submit(page, f'form[action="/d/{SLUG}/settings"] button:not([name=preview])')
    await expect(page.locator("main [role=status]").first).to_be_visible()

    await submit(page, f'nav a[href="/d/{SLUG}/themes/new"]')
    await page.fill("#title", "What does accountability mean?")
    await page.fill("#guiding_questions", "1. To whom are programmes accountable?")
    await page.fill("#opens_at", "2026-01-01T09:00")  # already open once the dialogue is
    await page.fill("#closes_at", "2099-01-01T09:00")
    await submit(page, "main form button[type=submit]")
    await expect(page.locator("main [role=status]").first).to_contain_text("Saved.")

    await page.goto(f"/d/{SLUG}/moderation/members")
    await assert_accessible(page)
    await page.fill("#emails", "amina@example.org")
    await submit(page, f'form[action="/d/{SLUG}/moderation/invitations"] button')
    assert "/moderation/invitations/" in page.url
    await assert_accessible(page)
    link = (await page.locator("main table code").first.inner_text()).strip()
    assert "/invitations/" in link
    await page.reload()  # the result page again: nobody is invited twice
    await expect(page.locator("main table tbody tr")).to_have_count(1)

    await page.goto(f"/d/{SLUG}/settings")
    await submit(page, f'form[action="/d/{SLUG}/settings/status/open"] button')
    await assert_accessible(page)  # the confirmation says what opening does
    await submit(page, f'form[action="/d/{SLUG}/settings/status/open"] button')
    await page.goto(f"/d/{SLUG}")
    await expect(checklist).to_have_count(0)  # open: the checklist is gone

    # The invitee reads French better than English: her browser says so, and she stays in
    # French from the invitation to her first post.
    guest, watch = await open_page(chromium, live_server, locale="fr-FR")
    try:
        await guest.goto(urlsplit(link).path)  # the link is built on DIALOGUE_BASE_URL
        await expect(guest.locator("html")).to_have_attribute("lang", "fr")
        await assert_accessible(guest)
        await guest.fill("#display_name", "Amina")
        await guest.fill("#password", "a long enough passphrase")
        await guest.check("#quote-consent-anonymous")
        await submit(guest, "main form button[type=submit]")
        await guest.goto(f"/d/{SLUG}")
        await expect(guest.locator("html")).to_have_attribute("lang", "fr")
        await submit(guest, "main a:has-text('What does accountability mean?')")
        # A new member accepts the code of conduct first, then comes back to the theme.
        await submit(guest, f'main a[href^="/d/{SLUG}/conduct?next="]')
        await submit(guest, f'form[action="/d/{SLUG}/conduct"] button')
        await guest.fill("#new-thread-title", "Redevabilité envers qui ?")
        await guest.fill("#new-thread-body", "Envers les organisations de femmes, d'abord.")
        await submit(guest, "form.post-form button[type=submit]")
        await expect(guest.locator("main")).to_contain_text("organisations de femmes")
        await expect(guest.locator("html")).to_have_attribute("lang", "fr")
        assert not watch.problems(), watch.problems()
    finally:
        await guest.context.close()
    async with app_state(factory.app).database.session() as session:
        amina = await accounts.get_user_by_email(session=session, email="amina@example.org")
    assert amina is not None
    assert (amina.language, amina.quote_consent) == ("fr", "anonymous")
