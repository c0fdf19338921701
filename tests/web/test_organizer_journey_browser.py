"""A dialogue's whole life in pages only, each person in their own browser.

The organizer (a site admin) creates the dialogue, writes its code of conduct, adds three
themes, invites a moderator, an advisor and two participants by uploading a CSV and opens
it after its confirmation. A participant whose browser reads French accepts, stays in
French, chooses anonymous quotation and posts; the moderator, signed in by their own
invitation link, hides a post citing a clause, pins the thread, codes a post against a
code made on the codebook page and writes the theme's summary on its edit page. The
organizer writes the report's narrative and sends it for review, the advisor comments on a
section and approves, the organizer publishes it to members, and the participant reads
it from the dialogue's home and downloads it. Every page is checked with axe the first
time it is seen; no browser sends anything to the JSON API (the database is only read at
the end, to check what the pages did).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Request, expect
from sqlmodel import col, select

from dialogue.accounts import service as accounts
from dialogue.dialogues import service as dialogues
from dialogue.moderation.models import AuditEntry, Code, PostCode
from dialogue.state import app_state
from dialogue.synthesis.models import Report, ReportComment
from dialogue.threads.models import Post, Thread
from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory

pytestmark = pytest.mark.browser

SLUG = "week-one-journey"
BASE = f"/d/{SLUG}"
THEMES = (  # title, opens, closes (the organizer's timezone: UTC)
    ("What does accountability mean?", "2026-01-01T09:00", "2099-01-01T09:00"),
    ("Who holds programmes to account?", "2099-01-01T09:00", "2099-02-01T09:00"),
    ("What should change?", "2099-02-01T09:00", "2099-03-01T09:00"),
)
PEOPLE_CSV = (
    "email,role,display_name\n"
    "mona@example.org,moderator,Mona Moderator\n"
    "ada@example.org,advisor,Ada Advisor\n"
    "amina@example.org,participant,Amina\n"
    "paula@example.org,participant,Paula\n"
)
NAMING_REPLY = "C'est Jeanne D., de l'association du quartier, qui l'a dit."


async def submit(page: Page, selector: str) -> None:
    async with page.expect_navigation():
        await page.click(selector)


class ApiWatch:
    """Every request a browser context sends to the JSON API other than a GET (none may)."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, request: Request) -> None:
        if urlsplit(request.url).path.startswith("/api/") and request.method != "GET":
            self.writes.append(f"{request.method} {request.url}")


@asynccontextmanager
async def person(
    chromium: Browser, server: LiveServer, api: ApiWatch, locale: str | None = None
) -> AsyncIterator[Page]:
    """A browser of one's own, closed at the end; it must not break CSP or reach out."""
    page, watch = await open_page(chromium, server, locale=locale)
    page.context.on("request", api)
    try:
        yield page
    finally:
        await page.context.close()
    assert not watch.problems(), watch.problems()


async def accept(page: Page, link: str, *, consent: str) -> None:
    """Follow one's invitation link and make the account (the name comes from the CSV)."""
    await page.goto(urlsplit(link).path)  # the link is built on DIALOGUE_BASE_URL
    await assert_accessible(page)
    await page.fill("#password", "a long enough passphrase")
    await page.check(f"#quote-consent-{consent}")
    await submit(page, "main form button[type=submit]")


async def set_up(page: Page) -> dict[str, str]:
    """The organizer's setup, from the home page to an open dialogue; the invitation links."""
    await page.goto("/")
    await submit(page, 'a[href="/dialogues/new"]')
    await assert_accessible(page)
    await page.fill("#title", "Accountability, week one")
    await page.fill("#slug", SLUG)
    await page.fill("#summary", "Practitioners on what accountability means.")
    await submit(page, 'form[action="/dialogues/new"] button[type=submit]')
    assert f"{BASE}/settings" in page.url, page.url  # made: its settings come next
    await assert_accessible(page)
    await page.goto(BASE)
    checklist = page.locator(".checklist")
    await expect(checklist).to_be_visible()  # a draft: the organizer's setup checklist
    await assert_accessible(page)

    await submit(page, f'nav a[href="{BASE}/settings"]')
    await page.fill("#code_of_conduct", "1. Speak from your own experience.\n2. No names.")
    await submit(page, "button[name=preview]")
    await expect(page.locator("#preview-heading")).to_be_visible()
    await expect(page.locator("main")).to_contain_text("No names.")
    await submit(page, f'form[action="{BASE}/settings"] button:not([name=preview])')
    await expect(page.locator("main [role=status]").first).to_be_visible()

    for n, (title, opens, closes) in enumerate(THEMES):
        await submit(page, f'nav a[href="{BASE}/themes/new"]')
        if n == 0:
            await assert_accessible(page)
        await page.fill("#title", title)
        await page.fill("#guiding_questions", f"1. {title}")
        await page.fill("#opens_at", opens)
        await page.fill("#closes_at", closes)
        await submit(page, "main form button[type=submit]")
        await expect(page.locator("main [role=status]").first).to_contain_text("Saved.")
    await assert_accessible(page)  # the theme's own edit page, where a new theme lands

    await page.goto(f"{BASE}/moderation/members")
    await assert_accessible(page)
    await page.set_input_files(
        "#invite-file",
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": PEOPLE_CSV.encode()}],
    )
    await submit(page, f'form[action="{BASE}/moderation/invitations"] button')
    assert "/moderation/invitations/" in page.url
    await assert_accessible(page)
    rows = page.locator("main table tbody tr")
    await expect(rows).to_have_count(4)
    await expect(page.locator("main table tbody tr.batch-sent")).to_have_count(4)
    links = {}
    for name in ("mona", "ada", "amina"):
        row = rows.filter(has_text=f"{name}@example.org")
        links[name] = (await row.locator("code").inner_text()).strip()
        assert "/invitations/" in links[name]
    await expect(rows.filter(has_text="mona@example.org")).to_contain_text("Moderator")
    await expect(rows.filter(has_text="ada@example.org")).to_contain_text("Advisor")
    await page.reload()  # the result page again: nobody is invited twice
    await expect(rows).to_have_count(4)

    await page.goto(f"{BASE}/settings")
    await submit(page, f'form[action="{BASE}/settings/status/open"] button')
    await assert_accessible(page)  # the confirmation says what opening does
    await submit(page, f'form[action="{BASE}/settings/status/open"] button')
    await page.goto(BASE)
    await expect(checklist).to_have_count(0)  # open: the checklist is gone
    return links


async def participate(guest: Page, link: str) -> str:
    """In French from the invitation to her posts; the thread's address."""
    await accept(guest, link, consent="anonymous")
    await guest.goto(BASE)
    await expect(guest.locator("html")).to_have_attribute("lang", "fr")
    await assert_accessible(guest)
    await submit(guest, f"main a:has-text('{THEMES[0][0]}')")
    await assert_accessible(guest)
    # A new member accepts the code of conduct first, then comes back to the theme.
    await submit(guest, f'main a[href^="{BASE}/conduct?next="]')
    await assert_accessible(guest)
    await submit(guest, f'form[action="{BASE}/conduct"] button')
    await guest.fill("#new-thread-title", "Redevabilité envers qui ?")
    await guest.fill("#new-thread-body", "Envers les organisations de femmes, d'abord.")
    await submit(guest, "form.post-form button[type=submit]")
    await expect(guest.locator("main")).to_contain_text("organisations de femmes")
    await assert_accessible(guest)
    await guest.fill("#reply-thread-body", NAMING_REPLY)
    # The page's script sends the reply over its live connection and shows it in place.
    await guest.locator("form.post-form:has(#reply-thread-body) button[type=submit]").click()
    await expect(guest.locator("ol.posts")).to_contain_text("Jeanne D.")
    await expect(guest.locator("html")).to_have_attribute("lang", "fr")
    return urlsplit(guest.url).path


async def moderate(mod: Page, link: str, thread_path: str) -> None:
    """Hide the naming reply (clause 2), pin the thread, code its opening, sum the theme up."""
    await accept(mod, link, consent="named")
    await mod.goto(BASE)
    await submit(mod, f'nav a[href="{BASE}/moderation"]')
    await assert_accessible(mod)
    await submit(mod, f'nav a[href="{BASE}/moderation/codebook"]')
    await assert_accessible(mod)
    await mod.fill("#new-code-name", "Accountability to women's organisations")
    await mod.fill("#new-code-description", "Who programmes answer to.")
    await submit(mod, f'form[action="{BASE}/moderation/codebook"] button')
    await expect(mod.locator("ul.codebook")).to_contain_text("Accountability to women")

    await submit(mod, "nav a.dialogue-name")  # back home, then down to the thread
    await submit(mod, f"main a:has-text('{THEMES[0][0]}')")
    await submit(mod, f'main a[href="{thread_path}"]')
    reply = mod.locator("article.post", has_text="Jeanne D.")
    await reply.locator("details.moderate summary").click()
    await mod.locator("#thread-tools summary").click()
    opening = mod.locator("article.post", has_text="organisations de femmes")
    await opening.locator("details.post-coding summary").click()
    await assert_accessible(mod)  # the thread page with every tool open
    hide = reply.locator("form:has(input[name=action][value=hide])")
    await hide.locator("input[name=reason]").fill("It names a person.")
    await hide.locator("select[name=clause]").select_option("2")
    await submit(mod, "article.post:has-text('Jeanne D.') form:has(input[value=hide]) button")
    await expect(reply.locator(".badge")).to_have_text("Hidden by a moderator")

    await mod.locator("#thread-tools summary").click()
    await submit(mod, "#thread-tools form:has(input[value=pin]) button")
    await expect(mod.locator("main > p.meta")).to_contain_text("Pinned")

    await opening.locator("details.post-coding summary").click()
    await opening.get_by_label("Accountability to women's organisations").check()
    await submit(mod, "article.post:has-text('organisations de femmes') .post-coding button")
    await expect(opening.locator("ul.post-codes")).to_contain_text("Accountability to women")

    await submit(mod, "main p.crumb a")  # up to the theme: the pinned thread leads it
    await expect(mod.locator(".thread-row").first).to_contain_text("Pinned")
    await submit(mod, "main a:has-text('Edit the theme')")
    await mod.fill("#summary", "Members put **women's organisations** first.")
    await submit(mod, "main form button[type=submit]")
    await expect(mod.locator("main [role=status]").first).to_contain_text("Saved.")


async def write_and_send(page: Page) -> None:
    await page.goto(BASE)
    await submit(page, f'nav a[href="{BASE}/report"]')
    await assert_accessible(page)
    await page.fill("#executive_summary", "Accountability runs **to women's organisations**.")
    await page.locator('textarea[name^="theme_summaries["]').first.fill(
        "Programmes answer to the movements that hold them."
    )
    await page.fill("#recommendations", "- Report to women's organisations each quarter.")
    await submit(page, "#narrative button:not([name=preview])")
    await expect(page.locator("#executive_summary")).to_have_value(
        "Accountability runs **to women's organisations**."
    )
    await submit(page, "form.report-step:has(input[name=to][value=in_review]) button")
    await expect(page.locator(".report-states [aria-current=step]")).to_have_text("In review")


async def review(adv: Page, link: str) -> None:
    await accept(adv, link, consent="none")
    await adv.goto(BASE)
    await submit(adv, f'nav a[href="{BASE}/report"]')
    section = adv.locator("#comments-executive_summary")
    await section.locator("summary").click()
    await assert_accessible(adv)
    await section.locator("textarea").fill("Name the organisations consulted.")
    await submit(adv, "#comments-executive_summary form button")
    await expect(adv.locator("#comments-executive_summary .comment-list")).to_contain_text(
        "Name the organisations consulted."
    )
    await adv.fill("#note-approved", "Faithful to the posts.")
    await submit(adv, "form.report-step:has(input[name=to][value=approved]) button")
    await expect(adv.locator(".report-states [aria-current=step]")).to_have_text("Approved")


async def publish(page: Page) -> None:
    await page.reload()
    await page.select_option("#audience-publish", "members")
    await submit(page, "form.report-step:has(input[name=to][value=published]) button")
    await expect(page.locator(".report-states [aria-current=step]")).to_have_text("Published")


async def read_published(guest: Page) -> None:
    """From the dialogue's home to the published report, still in French, and a download."""
    await guest.goto(BASE)
    await submit(guest, f'main a[href="{BASE}/report/published"]')
    await expect(guest.locator("html")).to_have_attribute("lang", "fr")
    await expect(guest.locator("article.published-report")).to_contain_text("Accountability runs")
    await expect(guest.locator("article.published-report")).not_to_contain_text("Jeanne D.")
    await assert_accessible(guest)
    link = guest.locator('#downloads a[href$="format=md"]')
    async with guest.expect_download() as download:
        await link.click()
    saved = await (await download.value).path()
    # A download shows its page no response; the same link again, with the same cookies, does.
    answer = await guest.request.get(await link.get_attribute("href") or "")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/markdown")
    assert "attachment" in answer.headers["content-disposition"]
    assert "Accountability runs" in saved.read_text(encoding="utf-8")
    assert "Jeanne D." not in saved.read_text(encoding="utf-8")


async def test_a_dialogue_from_setup_to_its_published_report_in_pages(
    chromium: Browser, live_server: LiveServer, factory: Factory
) -> None:
    admin = await factory.user(is_admin=True)
    api = ApiWatch()
    async with (
        person(chromium, live_server, api) as organizer,
        person(chromium, live_server, api, locale="fr-FR") as amina,
        person(chromium, live_server, api) as mona,
        person(chromium, live_server, api) as ada,
    ):
        await sign_in(organizer, email=admin.email)
        links = await set_up(organizer)
        thread_path = await participate(amina, links["amina"])
        await moderate(mona, links["mona"], thread_path)
        await write_and_send(organizer)
        await review(ada, links["ada"])
        await publish(organizer)
        await read_published(amina)
    assert not api.writes, api.writes

    async with app_state(factory.app).database.session() as session:
        user = await accounts.get_user_by_email(session=session, email="amina@example.org")
        assert user is not None
        assert (user.language, user.quote_consent) == ("fr", "anonymous")
        dialogue = await dialogues.get_dialogue(session=session, slug=SLUG)
        assert dialogue is not None and dialogue.status == "open"
        for email, role in (("mona@example.org", "moderator"), ("ada@example.org", "advisor")):
            joined = await accounts.get_user_by_email(session=session, email=email)
            assert joined is not None
            member = await dialogues.get_membership(
                session=session, dialogue_id=dialogue.id or 0, user_id=joined.id or 0
            )
            assert member is not None and member.role == role
        themes = await dialogues.list_themes(session=session, dialogue_id=dialogue.id or 0)
        assert [t.title for t in themes] == [title for title, _, _ in THEMES]
        assert "women's organisations" in themes[0].summary
        thread = (await session.exec(select(Thread))).one()
        assert thread.pinned
        hidden = (await session.exec(select(Post).where(col(Post.status) == "hidden"))).one()
        assert hidden.body == NAMING_REPLY
        [hide] = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.action) == "post.hide"))
        ).all()
        assert (hide.target_id, hide.clause, hide.reason) == (hidden.id, "2", "It names a person.")
        code = (await session.exec(select(Code))).one()
        coded = (await session.exec(select(PostCode))).one()
        assert coded.code_id == code.id and coded.post_id != hidden.id
        report = (await session.exec(select(Report))).one()
        assert (report.state, report.audience) == ("published", "members")
        comment = (await session.exec(select(ReportComment))).one()
        assert comment.section == "executive_summary"
