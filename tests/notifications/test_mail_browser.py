"""In a browser: a forgotten password is reset from the e-mail's link; the mail choices on
/me and the unsubscribe page are accessible and work without signing in."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from dialogue.notifications.models import MailKind
from dialogue.notifications.unsubscribe import unsubscribe_url
from dialogue.state import app_state
from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory
from tests.notifications.smtp_sink import SmtpSink

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestForgottenPassword:
    async def test_from_the_sign_in_page_to_a_new_password_by_e_mail(
        self, browser_page: Page, live_server: LiveServer, factory: Factory, smtp: SmtpSink
    ) -> None:
        page = browser_page
        user = await factory.user(email="amina@example.org")
        await page.goto("/login")
        await page.get_by_role("link", name="Forgot your password?").click()
        await expect(page).to_have_url(re.compile(r"/password/forgot$"))
        await assert_accessible(page)
        await page.get_by_label("Email").fill(user.email)
        await page.get_by_role("button", name="Send me a link").click()
        await expect(page.get_by_role("status")).to_contain_text("on its way")
        [got] = await smtp.wait_for(1)
        link = re.search(r"http://testserver(/password/reset/\S+)", got.part("plain"))
        assert link
        await page.goto(link.group(1))
        await page.get_by_label(re.compile("New password")).fill("a brand new passphrase")
        await page.get_by_role("button", name="Set the password and sign in").click()
        await expect(page).to_have_url(re.compile(r"/$"))

        await page.goto("/me")
        await expect(page.get_by_label("Someone replies to my post")).to_be_checked()
        await assert_accessible(page)


class TestUnsubscribePage:
    async def test_it_stops_one_kind_without_signing_in(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        page = browser_page
        user = await factory.user(email="bo@example.org")
        settings = app_state(factory.app).settings
        url = unsubscribe_url(settings, email=user.email, kind=MailKind.THEME_OPENED)
        await page.goto(url.removeprefix(settings.base_url))
        await assert_accessible(page)
        await page.get_by_role("button", name="Stop these e-mails").click()
        await expect(page.get_by_role("status")).to_contain_text("no more e-mails")
        await sign_in(page, email=user.email, next="/me")
        await expect(page.get_by_label("A new theme opens in my dialogues")).not_to_be_checked()
        await expect(page.get_by_label("Someone mentions me (@name)")).to_be_checked()


class TestLiveUnreadCount:
    async def test_the_header_count_rises_when_a_moderator_hides_my_post(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        page = browser_page
        dialogue = await factory.dialogue()
        theme = await factory.theme(dialogue)
        author = await factory.member(dialogue, "participant")
        moderator = await factory.member(dialogue, "moderator")
        opened = await factory.client.post(
            f"/api/v1/themes/{theme.id}/threads",
            json={"title": "Mine", "body": "My words"},
            headers=await factory.auth(author),
        )
        assert opened.status_code == 201, opened.text
        thread_id = opened.json()["id"]
        await sign_in(page, email=author.email, next=f"/d/{dialogue.slug}/threads/{thread_id}")
        await expect(page.locator("#notifications-link .badge")).to_have_count(0)
        await page.wait_for_timeout(1000)  # the socket says hello
        async with httpx.AsyncClient(base_url=live_server.url) as http:  # the page's server
            hidden = await http.post(
                f"/api/v1/posts/{opened.json()['post']['id']}/moderation",
                json={"action": "hide", "reason": "Off topic"},
                headers=await factory.auth(moderator),
            )
        assert hidden.status_code == 200, hidden.text
        await expect(page.locator("#notifications-link .badge")).to_have_text("1")
        await expect(page.locator("#notifications-link .visually-hidden")).to_have_text("1 unread")
