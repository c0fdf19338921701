"""Translation engines behind one small interface: Apertium on this machine, or the
operator's own LibreTranslate server (`DIALOGUE_TRANSLATE_URL`).

An engine translates the sanitised HTML of a post (both keep tags and links in place) and
names the language pairs it has. Neither ever sends a post anywhere the operator did not
choose: Apertium runs as a local process; LibreTranslate only at the configured address.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import httpx

log = logging.getLogger(__name__)

Pair = tuple[str, str]

# Apertium names some pairs with ISO 639-3 codes (`eng-spa`), others with 639-1 (`fr-es`).
THREE_LETTER = {
    "cat": "ca", "deu": "de", "eng": "en", "fra": "fr", "glg": "gl", "ita": "it",
    "nld": "nl", "oci": "oc", "por": "pt", "ron": "ro", "spa": "es",
}  # fmt: skip


class TranslationError(Exception):
    """The engine could not translate (timed out, crashed, or its server answered badly)."""


class Engine(Protocol):
    name: str

    async def pairs(self) -> frozenset[Pair]:
        """The (source, target) pairs it translates directly, as two-letter codes."""
        ...

    async def translate(self, html: str, *, source: str, target: str) -> str:
        """`html` from `source` into `target`; raises `TranslationError`."""
        ...


_LISTINGS: dict[str, str] = {}  # `apertium -l` per command


def short_code(code: str) -> str:
    return THREE_LETTER.get(code, code)


class Apertium:
    """Apertium's command line, one process per translation (`apertium -u -f html MODE`),
    run as an asyncio subprocess so that the event loop keeps serving while it works."""

    name = "apertium"

    def __init__(self, command: str = "apertium", *, timeout: float = 20.0) -> None:
        self.command = command
        self.timeout = timeout
        self._modes: dict[Pair, str] = {}

    async def pairs(self) -> frozenset[Pair]:
        # Asked once per process: the installed pairs change only with the packages, and
        # every app start (each test's) would otherwise pay for a process.
        listing = _LISTINGS.get(self.command)
        if listing is None:
            try:
                listing = await self._run(["-l"], b"")
            except TranslationError as exc:
                log.warning("no Apertium here (%s): posts get no machine translation", exc)
                listing = ""
            _LISTINGS[self.command] = listing
        self._modes = parse_modes(listing)
        return frozenset(self._modes)

    async def translate(self, html: str, *, source: str, target: str) -> str:
        mode = self._modes.get((source, target))
        if mode is None:
            raise TranslationError(f"no Apertium mode for {source}-{target}")
        # -u: unknown words as they are, without Apertium's `*` marks.
        return await self._run(["-u", "-f", "html", mode], html.encode())

    async def _run(self, args: list[str], stdin: bytes) -> str:
        try:
            process = await asyncio.create_subprocess_exec(
                self.command,
                *args,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise TranslationError(str(exc)) from exc
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), self.timeout)
        except TimeoutError as exc:
            process.kill()
            await process.wait()
            raise TranslationError(f"apertium took over {self.timeout} s") from exc
        if process.returncode != 0:
            raise TranslationError(err.decode(errors="replace").strip()[:200])
        return out.decode(errors="replace")


def parse_modes(listing: str) -> dict[Pair, str]:
    """The pairs of `apertium -l`: plain `src-dst` modes only (not `spa-eng_US` variants,
    nor the debugging and three-part modes some packages add)."""
    modes: dict[Pair, str] = {}
    for line in listing.split():
        parts = line.split("-")
        if len(parts) == 2 and all(p.isalpha() and p.islower() for p in parts):
            modes.setdefault((short_code(parts[0]), short_code(parts[1])), line)
    return modes


class LibreTranslate:
    """A LibreTranslate server the operator runs (`/languages`, `/translate`)."""

    name = "libretranslate"

    def __init__(self, url: str, *, timeout: float = 20.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    async def pairs(self) -> frozenset[Pair]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.get(f"{self.url}/languages")
                answer.raise_for_status()
                languages = answer.json()
            return frozenset(
                (str(lang["code"]), str(target))
                for lang in languages
                for target in lang.get("targets", [])
                if target != lang["code"]
            )
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("LibreTranslate at %s did not list its languages: %s", self.url, exc)
            return frozenset()

    async def translate(self, html: str, *, source: str, target: str) -> str:
        form = {"q": html, "source": source, "target": target, "format": "html"}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                answer = await client.post(f"{self.url}/translate", json=form)
                answer.raise_for_status()
                return str(answer.json()["translatedText"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise TranslationError(f"LibreTranslate: {exc}") from exc
