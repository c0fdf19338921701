"""Every page's form, sent hostile values, answers a 4xx page or a redirect: never a 5xx.

The page-link crawler finds every page an organizer, a participant and an admin can reach;
each POST form on them is sent with every field set to each hostile value in turn (ids past
PostgreSQL's `integer`, negative and foreign digits, control characters, a very long text,
markup, far dates), then with only the CSRF token. Bounded: a few dozen forms times a
dozen submissions, in process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx
import pytest
from fastapi import FastAPI

from dialogue.accounts.models import User
from dialogue.csrf import CSRF_FIELD
from tests.web.clients import page_csrf, visitor
from tests.web.test_page_links import crawl
from tests.web.test_page_links import scene as scene  # the crawler's scene, a fixture

pytestmark = pytest.mark.sqlite_only

HOSTILE = (
    str(2**63),
    "-1",
    "0",
    "١٢",
    "x\x00y",
    "x" * 100_000,
    '<script>alert(1)</script>"',
    "99999-12-31T23:59",
    "",
)
# Forms that end the crawler's own session go last, so the others still run signed in.
LAST = ("/logout", "/me/delete")


def shape(action: str) -> str:
    """`/d/x/posts/3/flag` and `/d/x/posts/4/flag` are one form, sent once."""
    return re.sub(r"/\d+", "/N", action)


@dataclass
class Form:
    action: str
    fields: set[str] = field(default_factory=set)


class Forms(HTMLParser):
    """The POST forms of a page, with the names of their fields."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.found: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and values.get("method", "get").lower() == "post":
            self._open = Form(values.get("action") or self.page.split("?", 1)[0])
            self.found.append(self._open)
        elif tag in ("input", "select", "textarea", "button") and self._open is not None:
            name = values.get("name")
            if name and name != CSRF_FIELD:
                self._open.fields.add(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


async def forms_reached(
    client: httpx.AsyncClient, caller: str, starts: list[str]
) -> list[tuple[str, Form]]:
    """Every POST form on the pages the caller reaches, once per shape, with a page showing it."""
    forms: dict[str, tuple[str, Form]] = {}
    for page in (await crawl(client, caller, starts)).visited:
        shown = await client.get(page)
        if "text/html" not in shown.headers.get("content-type", ""):
            continue
        parser = Forms(page)
        parser.feed(shown.text)
        for form in parser.found:
            if form.action.startswith("/") and not form.action.startswith("/api/"):
                forms.setdefault(shape(form.action), (page, form))
    return sorted(forms.values(), key=lambda item: item[1].action.endswith(LAST))


async def test_every_form_answers_hostile_values_without_a_server_error(
    app: FastAPI, scene: dict[str, User | None]
) -> None:
    """The organizer reaches most forms; the participant and the admin send the rest."""
    failures: list[str] = []
    done: set[str] = set()
    for caller in ("organizer", "participant", "admin"):
        starts = ["/", "/me", "/notifications"] + (["/admin"] if caller == "admin" else [])
        async with visitor(app, scene[caller]) as client:
            forms = [
                f
                for f in await forms_reached(client, caller, starts)
                if shape(f[1].action) not in done
            ]
            for page, form in forms:
                done.add(shape(form.action))
                shown = await client.get(page)
                token = page_csrf(shown.text) if shown.status_code == 200 else ""
                for data in [{}, *({name: value for name in form.fields} for value in HOSTILE)]:
                    answer = await client.post(form.action, data={CSRF_FIELD: token, **data})
                    if answer.status_code >= 500:
                        sample = {name: value[:30] for name, value in data.items()}
                        failures.append(f"{caller} {form.action} {sample}: {answer.status_code}")
                        break
    assert len(done) > 15, (
        done
    )  # the crawl reached the dialogue's, the profile's and /admin's forms
    assert not failures, "\n".join(failures)
