"""The profile page `/me`: the form shows the stored profile, saves through the API's
validation, refuses bad values with the form again, and sends visitors to sign in."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.csrf import CSRF_FIELD
from dialogue.state import app_state
from dialogue.web.assets import static_assets
from tests.factories import Factory
from tests.web.clients import submit, visitor
from tests.web.html import main, text

VALID = {
    "display_name": "Amina Diallo",
    "organization": "Réseau des femmes",
    "country": "SN",
    "language": "en",
    "timezone": "Africa/Dakar",
    "quote_consent": "anonymous",
    "digest": "weekly",
}


async def stored(app: FastAPI, user: User) -> User:
    async with app_state(app).database.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        return row


async def save(app: FastAPI, user: User, **changes: Any) -> Any:
    async with visitor(app, user) as browser:
        return await submit(browser, "/me", "/me", {**VALID, **changes})


class TestShowing:
    async def test_the_form_carries_the_stored_profile(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(
            display_name="Amina", organization="Council", country="KE", timezone="Africa/Nairobi"
        )
        async with visitor(app, user) as browser:
            page = await browser.get("/me")
        assert page.status_code == 200
        body = main(page.text)
        assert 'name="display_name" value="Amina"' in body
        assert 'name="organization" value="Council"' in body
        assert '<option value="KE" selected>Kenya</option>' in body
        assert '<option value="Africa/Nairobi" selected>Africa/Nairobi</option>' in body
        assert 'value="daily" checked' in body  # digest: the default of a new account
        assert 'id="quote-consent-none" name="quote_consent" value="none" checked' in body
        assert 'href="/api/v1/me/export"' in body
        # An unset zone (UTC) is left for the browser script to suggest; a chosen one is not.
        assert "data-preselect-browser-zone" not in body
        assert static_assets(Settings().static_dir).url("js/timezone-default.js") in page.text

    async def test_a_default_zone_is_offered_to_the_browser_script(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        async with visitor(app, user) as browser:
            page = await browser.get("/me")
            script = await browser.get("/static/js/timezone-default.js")
        assert "data-preselect-browser-zone" in page.text
        assert script.status_code == 200 and "resolvedOptions().timeZone" in script.text

    async def test_countries_are_named_in_the_readers_language(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(language="fr")
        async with visitor(app, user) as browser:
            page = await browser.get("/me")
        body = main(page.text)
        assert '<option value="EG">Égypte</option>' in body
        assert '<option value="DE">Allemagne</option>' in body
        # Sorted by the French names, accents aside: Égypte comes among the E's.
        assert body.index(">Équateur<") < body.index(">Espagne<") < body.index(">Éthiopie<")

    async def test_zones_are_area_city_names(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user()
        async with visitor(app, user) as browser:
            page = await browser.get("/me")
        assert 'value="America/Sao_Paulo"' in page.text
        assert 'value="Etc/GMT+3"' not in page.text and 'value="US/Eastern"' not in page.text

    async def test_a_visitor_is_sent_to_sign_in_and_back(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/me")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/me"


class TestSaving:
    async def test_every_field_is_saved_then_confirmed(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        answer = await save(app, user)
        assert answer.status_code == 303 and answer.headers["location"] == "/me?saved=true"
        row = await stored(app, user)
        assert (row.display_name, row.organization, row.country) == (
            "Amina Diallo",
            "Réseau des femmes",
            "SN",
        )
        assert (row.timezone, row.quote_consent, row.digest) == (
            "Africa/Dakar",
            "anonymous",
            "weekly",
        )
        async with visitor(app, user) as browser:
            page = await browser.get("/me?saved=true")
        assert "Your profile was saved." in text(main(page.text))

    async def test_the_api_reads_what_the_page_saved(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user()
        await save(app, user, digest="daily")
        async with visitor(app, user) as browser:
            me = await browser.get("/api/v1/me")
        assert me.json()["digest"] == "daily" and me.json()["quote_consent"] == "anonymous"

    async def test_a_new_language_shows_on_the_next_page(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        async with visitor(app, user) as browser:
            answer = await submit(browser, "/me", "/me", {**VALID, "language": "fr"})
            page = await browser.get(answer.headers["location"])
        assert '<html lang="fr">' in page.text
        assert "Votre profil" in page.text

    async def test_clearing_country_and_organisation(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user(country="KE", organization="Council")
        await save(app, user, country="", organization="")
        row = await stored(app, user)
        assert row.country is None and row.organization == ""


class TestRefusing:
    async def test_unknown_values_come_back_with_messages(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Before")
        answer = await save(app, user, country="QQ", timezone="Mars/Olympus", language="xx")
        assert answer.status_code == 422
        body = main(answer.text)
        assert "Choose a country from the list." in text(body)
        assert "Choose a time zone from the list." in text(body)
        assert "Choose one of the offered languages." in text(body)
        assert 'aria-invalid="true" aria-describedby="country-error"' in body
        # The rest of what was sent is shown again, and nothing was saved.
        assert 'name="display_name" value="Amina Diallo"' in body
        assert (await stored(app, user)).display_name == "Before"

    async def test_an_empty_name_and_a_bad_choice(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user()
        answer = await save(app, user, display_name="  ", quote_consent="everyone", digest="hourly")
        assert answer.status_code == 422
        body = text(main(answer.text))
        assert "Enter the name others will see" in body
        assert body.count("Choose one of the three options.") == 2

    async def test_a_control_character_is_a_form_error(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        answer = await save(app, user, organization="Council\x00")
        assert answer.status_code == 422
        assert "Enter your organisation on one line" in text(main(answer.text))

    async def test_without_the_csrf_token_nothing_is_saved(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Before")
        async with visitor(app, user) as browser:
            await browser.get("/me")
            answer = await browser.post("/me", data={**VALID, CSRF_FIELD: "forged"})
        assert answer.status_code == 403
        assert (await stored(app, user)).display_name == "Before"

    async def test_a_visitor_cannot_post_the_form(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            answer = await submit(browser, "/login", "/me", VALID)
        assert answer.status_code == 401


class TestConsentTrail:
    async def test_the_person_reads_each_change_of_their_consent(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(quote_consent="named")
        response = await save(app, user, quote_consent="none")
        assert response.status_code == 303
        async with visitor(app, user) as browser:
            page = await browser.get("/me")
        trail = text(main(page.text).split('id="consent-trail"')[1].split("</ul>")[0])
        assert "With my name → Not at all" in trail
