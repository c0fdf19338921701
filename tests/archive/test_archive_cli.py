"""`dialogue export --format archive` and `dialogue import archive` from the command line."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue import cli
from tests.archive.scene import Rich, rich_archives, settings_for
from tests.archive.test_archive_roundtrip import as_version_1, post_languages, records, rewrite
from tests.demo_support import SLUG


@pytest.fixture
async def rich(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Rich:
    return await rich_archives(tmp_path_factory, sqlite_template)


def invoke(database: Path, *args: str) -> tuple[int, str, str]:
    env = {"DIALOGUE_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    result = CliRunner().invoke(cli.app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


class TestCommands:
    def test_export_then_import_elsewhere(
        self, rich: Rich, tmp_path: Path, sqlite_template: Path
    ) -> None:
        source = Path(rich.source.database_url.split("///")[1])
        output = tmp_path / "out.jsonl.gz"
        code, out, err = invoke(source, "export", SLUG, "--format", "archive", "-o", str(output))
        assert code == 0, err
        assert f"archive of {SLUG} written to {output}" in out and "pseudonymised" in out
        assert output.read_bytes() == rich.pseudonymous.read_bytes()
        assert not list(tmp_path.glob("*.partial"))

        target = tmp_path / "target.db"
        shutil.copy(sqlite_template, target)
        code, out, err = invoke(target, "import", "archive", str(output))
        assert code == 0, err
        posts = records(output)[0]["counts"]["post"]
        assert f"imported {SLUG}: {posts} posts" in out
        code, out, err = invoke(target, "import", "archive", str(output))
        assert code == 1 and "exists already" in err and "--merge" in err
        code, out, err = invoke(target, "import", "archive", str(output), "--merge")
        assert code == 0 and "0 records added" in out, err
        code, out, err = invoke(target, "import", "archive", str(output), "--slug", "Bad Slug")
        assert code == 1 and "not a slug" in err

    def test_errors_name_the_line_without_a_traceback(
        self, tmp_path: Path, sqlite_template: Path
    ) -> None:
        target = tmp_path / "target.db"
        shutil.copy(sqlite_template, target)
        broken = tmp_path / "broken.jsonl.gz"
        broken.write_text('{"format": "dialogue-archive"}\n')
        code, out, err = invoke(target, "import", "archive", str(broken))
        assert code == 1
        assert (
            err.strip()
            == "error: broken.jsonl.gz line 1: not a gzip file (an archive is gzip'd JSON lines)"
        )
        assert "Traceback" not in out + err

    def test_a_version_1_archive_gets_its_languages_guessed_after_import(
        self, rich: Rich, tmp_path: Path, sqlite_template: Path
    ) -> None:
        old = rewrite(rich.named, tmp_path / "v1.jsonl.gz", as_version_1)
        target = tmp_path / "target.db"
        shutil.copy(sqlite_template, target)
        code, _out, err = invoke(target, "import", "archive", str(old))
        assert code == 0, err
        found = asyncio.run(post_languages(settings_for(f"sqlite+aiosqlite:///{target}")))
        assert found and None not in found.values()
        assert "en" in found.values()

    def test_export_of_an_unknown_dialogue(self, tmp_path: Path, sqlite_template: Path) -> None:
        target = tmp_path / "target.db"
        shutil.copy(sqlite_template, target)
        output = tmp_path / "none.jsonl.gz"
        code, _out, err = invoke(target, "export", "nope", "--format", "archive", "-o", str(output))
        assert code == 1 and "no dialogue with the slug 'nope'" in err
        assert not output.exists() and not list(tmp_path.glob("*.partial"))

    def test_an_unwritable_output_is_an_error(self, rich: Rich, tmp_path: Path) -> None:
        source = Path(rich.source.database_url.split("///")[1])
        output = tmp_path / "missing" / "out.jsonl.gz"
        code, _out, err = invoke(source, "export", SLUG, "-f", "archive", "-o", str(output))
        assert code == 1 and err.startswith(f"error: cannot write {output}")

    def test_report_formats_still_refuse_unknown_ones(self, tmp_path: Path) -> None:
        code, _out, err = invoke(tmp_path / "x.db", "export", SLUG, "-f", "odt", "-o", "x")
        assert code == 2 and "md, html, pdf, docx, json, csv or archive" in err
