"""The catalogues come from the `translations_dir` setting, so an operator can ship their own."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from dialogue.config import Settings
from tests.helpers import assert_error

OWN = "Introuvable, selon nos propres catalogues."


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    catalog = Catalog(locale="fr", domain="messages")
    catalog.add("Not found.", OWN)
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as mo:
        write_mo(mo, catalog)
    return settings.model_copy(update={"translations_dir": tmp_path})


class TestTranslationsDir:
    async def test_messages_come_from_the_configured_catalogues(
        self, db_kind: str, client: httpx.AsyncClient
    ) -> None:
        response = await client.get(
            "/api/v1/dialogues/no-such-dialogue", headers={"Accept-Language": "fr"}
        )
        assert assert_error(response, 404, "not_found")["message"] == OWN
