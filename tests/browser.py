"""Browser fixtures: Debian's Chromium driven by Playwright against the app under real uvicorn.

Loaded by tests/conftest.py (`pytest_plugins`). Chromium is never downloaded: the tests use
/usr/bin/chromium (or DIALOGUE_TEST_CHROMIUM), skip when it is missing, and fail instead
under CI=true. Each page blocks requests to any other origin and fails its test on a
Content-Security-Policy violation or a script error, so a page that needs the network or
an inline script is caught.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from dialogue.config import PROJECT_ROOT, Settings
from tests.factories import PASSWORD
from tests.servers import ThreadServer as LiveServer
from tests.services import in_ci

try:  # the dev extra; without it the browser tests skip (or fail under CI)
    from playwright.async_api import Browser, Page, Route, async_playwright
except ImportError:  # pragma: no cover - depends on the environment
    async_playwright = None  # type: ignore[assignment]

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Served by the test itself from the page's own origin, so CSP `script-src 'self'` admits
# it and the page keeps its real policy while axe runs.
AXE_URL_PATH = "/__test__/axe.min.js"
SERVER_START_SECONDS = 20
BLOCKING_IMPACTS = ("serious", "critical")


def missing(reason: str) -> None:
    """Skip a browser test here; under CI a missing browser is a failure, not a skip."""
    if in_ci():
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def chromium_path() -> Path:
    return Path(os.environ.get("DIALOGUE_TEST_CHROMIUM") or DEFAULT_CHROMIUM)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session; each test opens its own context."""
    path = chromium_path()
    if async_playwright is None:
        missing("the playwright package is not installed")
    if not path.exists():
        missing(f"Chromium not found at {path} (apt-get install -y chromium)")
    playwright = await async_playwright().start()
    try:
        browser = await playwright.chromium.launch(
            executable_path=str(path), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:
        await playwright.stop()
        missing(f"Chromium at {path} did not start: {exc}")
        raise
    yield browser
    await browser.close()
    await playwright.stop()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app under a real server, on the test's own migrated database (see `settings`)."""
    server = LiveServer(settings).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PageWatch:
    """What a page did that it must not: reach another origin, break CSP, throw."""

    origin: str
    external: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"external request: {url}" for url in self.external]
            + [f"CSP violation: {text}" for text in self.csp]
            + [f"script error: {text}" for text in self.errors]
        )


def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        missing(f"{AXE_SCRIPT} is missing (npm install)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


async def _route(route: Route, watch: PageWatch) -> None:
    url = route.request.url
    if url == watch.origin + AXE_URL_PATH:
        await route.fulfill(body=axe_source(), content_type="text/javascript")
    elif url.startswith(watch.origin + "/") or url == watch.origin:
        await route.continue_()
    else:
        watch.external.append(url)
        await route.abort()


async def open_page(
    browser: Browser,
    server: LiveServer,
    *,
    width: int = 1280,
    height: int = 800,
    locale: str | None = None,
) -> tuple[Page, PageWatch]:
    """A fresh context (own cookies) with one page, watched; the caller closes its context.

    `locale` is the browser's language (its `Accept-Language`), as a person's own would be.
    """
    context = await browser.new_context(
        base_url=server.url, viewport={"width": width, "height": height}, locale=locale
    )
    watch = PageWatch(origin=server.url)

    async def route(route: Route) -> None:
        await _route(route, watch)

    await context.route("**/*", route)
    page = await context.new_page()

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            watch.csp.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    return page, watch


@pytest.fixture
async def browser_page(chromium: Browser, live_server: LiveServer) -> AsyncIterator[Page]:
    """A page of a new browser context on the live server, 1280 px wide."""
    page, watch = await open_page(chromium, live_server)
    try:
        yield page
    finally:
        await page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())


@pytest.fixture
async def phone_page(chromium: Browser, live_server: LiveServer) -> AsyncIterator[Page]:
    """A page of a new browser context on the live server, 360 × 640 like a small phone."""
    page, watch = await open_page(chromium, live_server, width=360, height=640)
    try:
        yield page
    finally:
        await page.context.close()
    assert not watch.problems(), "\n".join(watch.problems())


async def sign_in(page: Page, *, email: str, password: str = PASSWORD, next: str = "/") -> None:
    """Sign in through the /login form, as a person would, and land on `next`."""
    await page.goto(f"/login?next={next}")
    await page.fill("#email", email)
    await page.fill("#password", password)
    async with page.expect_navigation():
        await page.click("main form button[type=submit]")
    assert "/login" not in page.url, await page.inner_text("main")


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
  }));
}"""


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        axe_source()  # skip early, with the reason, when axe-core is not installed
        await page.add_script_tag(url=AXE_URL_PATH)
    violations: list[dict[str, Any]] = await page.evaluate(AXE_RUN)
    return violations


async def assert_accessible(page: Page) -> None:
    """Fail on any axe-core violation of serious or critical impact, listing them all."""
    blocking = [v for v in await axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [
            f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}" for v in blocking
        ]
        pytest.fail(f"accessibility violations on {page.url}:\n" + "\n".join(lines))
