"""In a real browser, in French, Spanish and Portuguese: an organizer signs up through an
invitation with a French browser, then reads every type of dialogue page in each language
(switched with the page's own form), then the signed-out pages and a site administrator's
pages. Each page is checked by axe and against the English
page: no interface text may be left in English."""

from __future__ import annotations

import re

import pytest
from babel import Locale
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from dialogue.accounts.models import User
from dialogue.threads.models import ReactionKind
from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import CONDUCT, PASSWORD, Factory
from tests.helpers import invite
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.test_pages_in_every_language import SHARED, ZONE, made_of, strings

# What a page says and how it is laid out does not depend on the database: SQLite only.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

LANGUAGES = ("fr", "es", "pt")
NEWCOMER = "Amina Diallo"
# Words French writes as English does (beyond the every-language page test's list).
SAME_IN = {
    "fr": {
        "Notes",
        "Codes",
        "Description",
        "Introduction",
        "Version 1",
        "Invitations",
        "Dialogues",
        "Actions",
        "Invitation · Dialogue",
    },
    "es": set(),
    "pt": set(),
}
CLAUSE = re.compile(r"^Clause \d+$")  # "Clause 2" is French too
# An audit entry's action as the log's filter takes it (`member.join`): a code, not words.
ACTION_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def page_types(slug: str, theme: int, thread: int, post: int) -> list[str]:
    """One page of each type an organizer reads; `LANG` is the reader's language."""
    base = f"/d/{slug}"
    return [
        "/",
        base,
        f"{base}/themes/{theme}",
        f"{base}/threads/{thread}",
        f"{base}/posts/{post}/translation?to=LANG",
        f"{base}/search?q=schools",
        f"{base}/conduct",
        f"{base}/transparency",
        f"{base}/concerns",
        f"{base}/moderation",
        f"{base}/moderation/members",
        f"{base}/moderation/audit",
        f"{base}/moderation/appeals",
        f"{base}/moderation/unmask",
        f"{base}/moderation/codebook",
        f"{base}/moderation/notes",
        f"{base}/moderation/handover",
        f"{base}/advisory",
        f"{base}/report",
        f"{base}/settings",
        f"{base}/themes/new",
        f"{base}/themes/{theme}/edit",
        "/me",
        "/notifications",
    ]


async def english_strings(app: FastAPI, english: User | None, path: str, language: str) -> set[str]:
    """The English page's strings (a translation page exists only into another language)."""
    other = "es" if language != "es" else "fr"
    async with visitor(app, english) as browser:
        answer = await browser.get(path.replace("LANG", other))
    assert answer.status_code == 200, (path, answer.text[:300])
    return strings(answer.text)


async def switch_to(page: Page, language: str) -> None:
    """The language switcher, as a person uses it: pick, press the button."""
    await page.select_option("#language-switcher", language)
    async with page.expect_navigation():
        await page.click("form.language-switcher button[type=submit]")
    await expect(page.locator("html")).to_have_attribute("lang", language)


async def test_every_page_type_in_every_language(
    chromium: Browser, live_server: LiveServer, factory: Factory
) -> None:
    app = factory.app
    s = await scenes.scene(factory)
    thread, post = await scenes.start_thread(
        app, s.dialogue, s.theme, s.alice, body="Shelters first.", lang="en"
    )
    await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="And schools.")
    await scenes.react(app, post, s.bob, ReactionKind.AGREE)
    english = await factory.member(s.dialogue, "organizer", language="en")
    admin = await factory.user(is_admin=True, language="pt", display_name="Ada Admin")
    english_admin = await factory.user(is_admin=True, language="en", display_name="Eve Admin")
    token = await invite(app, s.dialogue, email="amina@example.org", role="organizer")
    people = [s.organizer, s.alice, s.bob, s.newcomer, s.observer, english, admin, english_admin]
    written = {
        s.dialogue.title, s.dialogue.summary, s.theme.title, thread.title, NEWCOMER,
        "Shelters first.", "And schools.", "What does accountability mean to you?", "Who decides?",
        *(p.display_name for p in people), *(p.email for p in people), "amina@example.org",
        "English", "Français", "Español", "Português",
        "What does", "accountability", "mean to you?",  # the theme's Markdown, in pieces
        "And", "schools",  # a post, cut by the search's highlight
        *(line.split(". ", 1)[-1] for line in CONDUCT.splitlines() if line),
    }  # fmt: skip
    paths = page_types(s.dialogue.slug, s.theme.id or 0, thread.id or 0, post.id or 0)

    page, watch = await open_page(chromium, live_server, locale="fr-FR")
    left: dict[str, set[str]] = {}

    def compare(where: str, shown: str, reference: set[str], language: str) -> None:
        places = set(Locale.parse(language).territories.values())
        same = {
            t
            for t in (strings(shown) & reference) - places
            if not made_of(t, written | SHARED[language] | SAME_IN[language])
            and not ZONE.match(t)
            and not ACTION_CODE.match(t)
            and not (language == "fr" and CLAUSE.match(t))
        }
        if same:
            left[where] = same

    try:
        invitation = f"/invitations/{token}"
        async with visitor(app) as anonymous:
            reference = strings((await anonymous.get(invitation)).text)
        await page.goto(invitation)
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
        await assert_accessible(page)
        compare(f"fr {invitation}", await page.content(), reference, "fr")
        await page.fill("#display_name", NEWCOMER)
        await page.fill("#password", PASSWORD)
        await page.check("#quote-consent-anonymous")
        async with page.expect_navigation():
            await page.click("main form button[type=submit]")

        async def check(path: str, language: str, english: User | None) -> None:
            """The page in `language`: axe, and no string of the English page's interface."""
            shown = path.replace("LANG", language)
            answer = await page.goto(shown)
            assert answer is not None and answer.status == 200, shown
            await expect(page.locator("html")).to_have_attribute("lang", language)
            await assert_accessible(page)
            reference = await english_strings(app, english, path, language)
            compare(f"{language} {shown}", await page.content(), reference, language)

        for language in LANGUAGES:
            if language != "fr":
                await switch_to(page, language)
            for path in paths:
                await check(path, language, english)
        # Signed out, the switcher's cookie keeps the last language.
        async with page.expect_navigation():
            await page.click('form[action="/logout"] button')
        for path in ("/login", "/password/forgot", f"/d/{s.dialogue.slug}"):
            await check(path, LANGUAGES[-1], None)
        # The site administrator's pages.
        await sign_in(page, email=admin.email)
        for language in LANGUAGES:
            await switch_to(page, language)
            for path in ("/admin", "/dialogues/new"):
                await check(path, language, english_admin)
    finally:
        await page.context.close()
    assert not watch.problems(), watch.problems()
    assert left == {}
