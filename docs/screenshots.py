"""Screenshots of the demo's pages for docs/organizers.md, at a desktop and a phone width.

    make screenshots            # writes docs/screenshots/<name>-desktop.png and -phone.png

Loads the demo into a throwaway SQLite database, serves it on a free local port, signs in
as the demo person each page is for (through the login form, as a person would) and saves
one PNG per page and width. Debian's Chromium (DIALOGUE_TEST_CHROMIUM or /usr/bin/chromium)
is driven by Playwright; nothing is downloaded. Run it after changing a page the guide shows,
and commit the images with the change, so the guide shows what organizers will see.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SLUG = "accountability-men-boys"
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
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    who: str | None  # a demo e-mail, "admin", or None for a signed-out visitor
    press: str | None = None  # a button to press first (its page follows), e.g. a job's
    ready: str | None = None  # then wait for this selector before the picture


ORGANIZER = "amara.njoroge@example.org"
MODERATOR = "priya.raghunathan@example.org"
ADVISOR = "grace.atuhaire@example.org"
PARTICIPANT = "brian.wekesa@example.org"

SHOTS = (
    Shot("front-page", "/", "admin"),
    Shot("new-dialogue", "/dialogues/new", "admin"),
    Shot("admin", "/admin", "admin"),
    Shot("dialogue-home", f"/d/{SLUG}", ORGANIZER),
    Shot("settings", f"/d/{SLUG}/settings", ORGANIZER),
    Shot("new-theme", f"/d/{SLUG}/themes/new", ORGANIZER),
    Shot("members", f"/d/{SLUG}/moderation/members", ORGANIZER),
    Shot("moderation-queue", f"/d/{SLUG}/moderation", MODERATOR),
    Shot("codebook", f"/d/{SLUG}/moderation/codebook", MODERATOR),
    Shot("audit-log", f"/d/{SLUG}/moderation/audit", ADVISOR),
    Shot("report", f"/d/{SLUG}/report", ORGANIZER),
    Shot(
        "report-quotes", f"/d/{SLUG}/report", ADVISOR, "Prepare the list of quotes", ".quote-review"
    ),
    Shot("profile", "/me", PARTICIPANT),
    Shot("notifications", "/notifications", PARTICIPANT),
    Shot("transparency", f"/d/{SLUG}/transparency", PARTICIPANT),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def load_demo(env: dict[str, str], directory: Path) -> tuple[str, str]:
    """The demo admin's e-mail and the password every demo person shares."""
    credentials = directory / "credentials.txt"
    subprocess.run(
        [sys.executable, "-m", "dialogue.cli", "demo", "--credentials-file", str(credentials)],
        env=env,
        check=True,
        capture_output=True,
    )
    text = credentials.read_text(encoding="utf-8")
    email = re.search(r"Demo admin: (\S+)", text)
    password = re.search(r"Password:\s+(\S+)", text)
    assert email and password, text
    return email.group(1), password.group(1)


def serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "dialogue.cli", "serve", "--port", str(port), "--no-migrate"]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the demo server did not start")


async def capture(browser: Browser, base: str, admin: str, password: str) -> list[Path]:
    written = []
    for width_name, (width, height) in WIDTHS.items():
        contexts = {}
        for shot in SHOTS:
            who = admin if shot.who == "admin" else shot.who
            if who not in contexts:
                context = await browser.new_context(
                    viewport={"width": width, "height": height}, base_url=base, locale="en"
                )
                if who is not None:
                    page = await context.new_page()
                    await page.goto("/login")
                    await page.fill("input[name=email]", who)
                    await page.fill("input[name=password]", password)
                    async with page.expect_navigation():
                        await page.click('form[action="/login"] button[type=submit]')
                    await page.close()
                contexts[who] = context
            page = await contexts[who].new_page()
            response = await page.goto(shot.path)
            if response is None or response.status != 200:
                status = response.status if response else "no answer"
                raise SystemExit(f"{shot.path} as {who}: {status}")
            if shot.press is not None:
                async with page.expect_navigation():
                    await page.get_by_role("button", name=shot.press).click()
            if shot.ready is not None:  # a job's page reloads itself when the job ends
                await page.wait_for_selector(shot.ready, timeout=180_000)
            target = OUT / f"{shot.name}-{width_name}.png"
            await page.screenshot(path=str(target), full_page=width_name == "desktop")
            written.append(target)
            await page.close()
        for context in contexts.values():
            await context.close()
    return written


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        env = {
            **os.environ,
            "DIALOGUE_DATABASE_URL": f"sqlite:///{directory / 'demo.db'}",
            "DIALOGUE_SECRET_KEY": "screenshots",
        }
        admin, password = load_demo(env, directory)
        port = free_port()
        server = serve(env, port)
        try:
            async with async_playwright() as playwright:
                chromium = os.environ.get("DIALOGUE_TEST_CHROMIUM", "/usr/bin/chromium")
                browser = await playwright.chromium.launch(
                    executable_path=chromium, args=CHROMIUM_ARGS, headless=True
                )
                written = await capture(browser, f"http://127.0.0.1:{port}", admin, password)
                await browser.close()
        finally:
            server.terminate()
            server.wait(10)
    for path in written:
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    asyncio.run(main())
